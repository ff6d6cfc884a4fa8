/// Data movement that keeps or permutes dims: Shape, Gather, Unsqueeze,
/// Squeeze, Concat, Transpose, Split, Flatten, Tile, Pad.
extension ShapeInference {
    /// The `[start, end)` range `Shape` reports (attributes from opset 15; clamped like Python slicing).
    static func shapeRange(_ ctx: InferenceContext, rank: Int) throws -> Range<Int> {
        guard ctx.opset >= 15 else { return 0..<rank }
        func clamp(_ v: Int) -> Int { Swift.min(Swift.max(v < 0 ? v + rank : v, 0), rank) }
        let start = clamp(try ctx.node.int("start", default: 0)!)
        let end = clamp(try ctx.node.int("end", default: rank)!)
        return start..<Swift.max(start, end)
    }

    /// `Shape`: a 1-D int64 tensor of the (selected) dims.
    static func shapeOp(_ ctx: InferenceContext) throws -> ValueType? {
        guard let s = ctx.shape(0) else { return ValueType(.int64, Shape([freshDim(ctx, output: 0, axis: 0)])) }
        return ValueType(.int64, Shape([Dim.value(try shapeRange(ctx, rank: s.rank).count)]))
    }

    /// `Gather` along `axis`: `data[:axis] + indices.shape + data[axis+1:]`.
    static func gather(_ ctx: InferenceContext) throws -> ValueType? {
        try ctx.requireInput(1)
        guard let data = ctx.type(0) else { return nil }
        guard let s = data.shape, let idx = ctx.shape(1) else { return ValueType(data.dataType, nil) }
        guard s.rank >= 1 else { throw ctx.fail("Gather data must not be a scalar") }
        let axis = try ctx.axis(try ctx.node.int("axis", default: 0)!, rank: s.rank)
        if let d = s[axis].value, let indices = ctx.ints(1), let bad = indices.first(where: { $0 < -d || $0 >= d }) {
            throw ctx.fail("index \(bad) is out of range for dim \(d) of axis \(axis)")
        }
        return ValueType(data.dataType, Shape(Array(s.dims[..<axis]) + idx.dims + Array(s.dims[(axis + 1)...])))
    }

    /// `Unsqueeze`: inserts 1s at `axes` (attribute before opset 13, input from 13),
    /// axes counted in the output rank.
    static func unsqueeze(_ ctx: InferenceContext) throws -> ValueType? {
        guard let x = ctx.type(0) else { return nil }
        guard case .known(let list) = try ctx.axes(input: 1, inputSince: 13) else {
            if ctx.opset >= 13, !ctx.has(1) { throw ctx.fail("required input 'axes' is missing") }
            if ctx.opset < 13, try ctx.node.ints("axes") == nil { throw IRError.missingAttribute(node: ctx.node.label, attribute: "axes") }
            return ValueType(x.dataType, nil)
        }
        guard let s = x.shape else { return ValueType(x.dataType, nil) }
        let rank = s.rank + list.count
        let axes = Set(try ctx.axes(list, rank: rank))
        var dims: [Dim] = []
        var source = s.dims.makeIterator()
        for i in 0..<rank { dims.append(axes.contains(i) ? 1 : source.next()!) }
        return ValueType(x.dataType, Shape(dims))
    }

    /// `Squeeze`: removes `axes` (each must be 1), or without axes every static 1
    /// (symbolic dims are taken not to be 1).
    static func squeeze(_ ctx: InferenceContext) throws -> ValueType? {
        guard let x = ctx.type(0) else { return nil }
        guard let s = x.shape else { return ValueType(x.dataType, nil) }
        switch try ctx.axes(input: 1, inputSince: 13) {
        case .unknown: return ValueType(x.dataType, nil)
        case .absent: return ValueType(x.dataType, Shape(s.dims.filter { $0.value != 1 }))
        case .known(let list):
            let axes = Set(try ctx.axes(list, rank: s.rank))
            for a in axes where s[a].value.map({ $0 != 1 }) ?? false {
                throw ctx.fail("cannot squeeze axis \(a) of size \(s[a])")
            }
            return ValueType(x.dataType, Shape(s.dims.enumerated().filter { !axes.contains($0.offset) }.map(\.element)))
        }
    }

    /// `Concat` along `axis`: equal ranks, equal dims off the axis, the axis dim the sum.
    static func concat(_ ctx: InferenceContext) throws -> ValueType? {
        let present = ctx.node.inputs.indices.filter { ctx.has($0) }
        guard !present.isEmpty else { throw ctx.fail("Concat needs at least one input") }
        guard let dataType = present.lazy.compactMap({ ctx.dataType($0) }).first else { return nil }
        let shapes = present.map { ctx.shape($0) }
        guard let first = shapes.compactMap({ $0 }).first else { return ValueType(dataType, nil) }
        let axisAttr = try ctx.node.required("axis") { try ctx.node.int($0) }
        let axis = try ctx.axis(axisAttr, rank: first.rank)
        var dims = first.dims
        var total: Dim? = .value(0)
        for s in shapes {
            guard let s else { total = nil; continue }
            guard s.rank == first.rank else {
                throw ctx.fail("inputs have different ranks: \(first.bracketed) and \(s.bracketed)")
            }
            for i in 0..<s.rank where i != axis {
                guard let d = broadcastEqual(dims[i], s[i]) else {
                    throw ctx.fail("dim \(i) differs between \(first.bracketed) and \(s.bracketed)")
                }
                dims[i] = d
            }
            total = total?.adding(s[axis])
        }
        dims[axis] = total ?? freshDim(ctx, output: 0, axis: axis)
        return ValueType(dataType, Shape(dims))
    }

    /// Two dims that must be equal: the more specific one, or nil when provably different.
    static func broadcastEqual(_ a: Dim, _ b: Dim) -> Dim? {
        if a.isProvablyDifferent(from: b) { return nil }
        return a.isStatic ? a : (b.isStatic ? b : a)
    }

    /// `Transpose`: dims permuted by `perm` (default: reversed).
    static func transpose(_ ctx: InferenceContext) throws -> ValueType? {
        guard let x = ctx.type(0) else { return nil }
        guard let s = x.shape else { return ValueType(x.dataType, nil) }
        let perm = try ctx.node.ints("perm", default: Array((0..<s.rank).reversed()))!
        guard perm.count == s.rank, Set(perm) == Set(0..<s.rank) else {
            throw ctx.fail("perm \(perm) is not a permutation of \(s.rank) axes")
        }
        return ValueType(x.dataType, Shape(perm.map { s[$0] }))
    }

    /// `Flatten`: `[d0·…·d(axis-1), d(axis)·…·d(r-1)]`.
    static func flatten(_ ctx: InferenceContext) throws -> ValueType? {
        guard let x = ctx.type(0) else { return nil }
        guard let s = x.shape else { return ValueType(x.dataType, Shape([freshDim(ctx, output: 0, axis: 0), freshDim(ctx, output: 0, axis: 1)])) }
        let raw = try ctx.node.int("axis", default: 1)!
        let axis = raw < 0 ? raw + s.rank : raw
        guard axis >= 0, axis <= s.rank else { throw ctx.fail("axis \(raw) is out of range for rank \(s.rank)") }
        return ValueType(x.dataType, Shape([Dim.product(Array(s.dims[..<axis])), Dim.product(Array(s.dims[axis...]))]))
    }

    /// `Tile`: each dim times its repeat count.
    static func tile(_ ctx: InferenceContext) throws -> ValueType? {
        try ctx.requireInput(1)
        guard let x = ctx.type(0) else { return nil }
        guard let s = x.shape else { return ValueType(x.dataType, nil) }
        guard let repeats = ctx.dims(1) else {
            return ValueType(x.dataType, Shape((0..<s.rank).map { freshDim(ctx, output: 0, axis: $0) }))
        }
        guard repeats.count == s.rank else {
            throw ctx.fail("\(repeats.count) repeats for rank \(s.rank)")
        }
        return ValueType(x.dataType, Shape(zip(s.dims, repeats).map { $0.multiplied(by: $1) }))
    }

    /// `Pad`: each dim grows by its begin and end pads (attribute `pads` before
    /// opset 11, input from 11, optional `axes` input from 18).
    static func pad(_ ctx: InferenceContext) throws -> ValueType? {
        guard let x = ctx.type(0) else { return nil }
        guard let s = x.shape else { return ValueType(x.dataType, nil) }
        let pads: [Dim]?
        if ctx.opset < 11 {
            pads = try (ctx.node.ints("pads") ?? ctx.node.ints("paddings")).map { $0.map(Dim.value) }
            if pads == nil { throw IRError.missingAttribute(node: ctx.node.label, attribute: "pads") }
        } else {
            try ctx.requireInput(1)
            pads = ctx.dims(1)
        }
        var axes = Array(0..<s.rank)
        if ctx.opset >= 18, ctx.has(3) {
            guard let a = ctx.ints(3) else { return ValueType(x.dataType, nil) }
            axes = try ctx.axes(a, rank: s.rank)
        }
        guard let pads else {
            return ValueType(x.dataType, Shape((0..<s.rank).map { freshDim(ctx, output: 0, axis: $0) }))
        }
        guard pads.count == 2 * axes.count else {
            throw ctx.fail("\(pads.count) pads for \(axes.count) axes (expected \(2 * axes.count))")
        }
        var dims = s.dims
        for (k, a) in axes.enumerated() {
            dims[a] = dims[a].adding(pads[k]).adding(pads[k + axes.count])
            if let v = dims[a].value, v < 0 { throw ctx.fail("padding makes axis \(a) negative (\(v))") }
        }
        return ValueType(x.dataType, Shape(dims))
    }
}
