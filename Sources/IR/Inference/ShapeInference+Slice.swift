/// Slice and Split: ops that cut dims.
extension ShapeInference {
    /// Ends at or beyond this magnitude mean "to the end" (exporters write `INT64_MAX`, `INT32_MAX`).
    static let sliceSentinel = Int(Int32.max)

    /// The parameters of a `Slice` (attributes before opset 10, inputs from 10), or nil when not known.
    static func sliceParameters(_ ctx: InferenceContext, rank: Int) throws
        -> (starts: [Dim], ends: [Dim], axes: [Int], steps: [Int])? {
        let starts: [Dim], ends: [Dim]
        var axes: [Int]? = nil
        var steps: [Int]? = nil
        if ctx.opset < 10 {
            starts = try ctx.node.required("starts") { try ctx.node.ints($0) }.map(Dim.value)
            ends = try ctx.node.required("ends") { try ctx.node.ints($0) }.map(Dim.value)
            axes = try ctx.node.ints("axes")
        } else {
            try ctx.requireInput(1)
            try ctx.requireInput(2)
            guard let s = ctx.dims(1), let e = ctx.dims(2) else { return nil }
            (starts, ends) = (s, e)
            if ctx.has(3) { guard let a = ctx.ints(3) else { return nil }; axes = a }
            if ctx.has(4) { guard let st = ctx.ints(4) else { return nil }; steps = st }
        }
        let n = starts.count
        let axisList = try ctx.axes(axes ?? Array(0..<n), rank: rank)
        let stepList = steps ?? Array(repeating: 1, count: n)
        guard ends.count == n, axisList.count == n, stepList.count == n else {
            throw ctx.fail("starts, ends, axes and steps have different lengths")
        }
        if let zero = stepList.firstIndex(of: 0) { throw ctx.fail("step \(zero) is zero") }
        return (starts, ends, axisList, stepList)
    }

    /// `Slice`: each sliced dim becomes the number of elements of its range.
    static func slice(_ ctx: InferenceContext) throws -> ValueType? {
        guard let x = ctx.type(0) else { return nil }
        guard let s = x.shape else { return ValueType(x.dataType, nil) }
        guard let p = try sliceParameters(ctx, rank: s.rank) else {
            // Only the sliced axes change, but which ones is unknown without `axes`.
            return ValueType(x.dataType, Shape((0..<s.rank).map { freshDim(ctx, output: 0, axis: $0) }))
        }
        var dims = s.dims
        for k in p.axes.indices {
            let a = p.axes[k]
            dims[a] = sliceLength(dim: s[a], start: p.starts[k], end: p.ends[k], step: p.steps[k])
        }
        return ValueType(x.dataType, Shape(dims))
    }

    /// The number of elements `x[start:end:step]` has along a dim, per ONNX clamping.
    ///
    /// Static inputs follow the spec exactly. With symbolic ones: a negative
    /// static index counts from the end (`T-3`), an index beyond ±2³¹ means
    /// "to the end", and any other index is taken to lie within the dim (a
    /// valid model slices inside it), so `x[1:]` on `T` gives `T-1` and
    /// `x[:5]` gives 5.
    static func sliceLength(dim: Dim, start: Dim, end: Dim, step: Int) -> Dim {
        if let d = dim.value, let s = start.value, let e = end.value {
            let r = staticSliceRange(dim: d, start: s, end: e, step: step)
            return .value(staticSliceCount(r, step: step))
        }
        let d = DimExpr(dim)
        func index(_ i: Dim) -> DimExpr {
            guard let v = i.value else { return DimExpr(i) }
            if v >= sliceSentinel { return step > 0 ? d : d - DimExpr(1) }
            if v <= -sliceSentinel { return step > 0 ? DimExpr(0) : DimExpr(-1) }
            return v < 0 ? d + DimExpr(v) : DimExpr(v)
        }
        let (s, e) = (index(start), index(end))
        let count = step > 0 ? DimExpr.ceilDiv(e - s, DimExpr(step)) : DimExpr.ceilDiv(s - e, DimExpr(-step))
        guard let c = count else { return .value(0) }
        if let v = c.constant { return .value(Swift.max(v, 0)) }
        return c.dim
    }

    /// The number of indices of a clamped static range (`max(⌈(end - start)/step⌉, 0)`).
    static func staticSliceCount(_ r: (start: Int, end: Int), step: Int) -> Int {
        let span = step > 0 ? r.end - r.start : r.start - r.end
        guard span > 0 else { return 0 }
        return Int((UInt(span) - 1) / step.magnitude) + 1
    }

    /// The clamped start and end of `x[start:end:step]` along a static dim of size `dim`.
    static func staticSliceRange(dim: Int, start: Int, end: Int, step: Int) -> (start: Int, end: Int) {
        var s = start < 0 ? start + dim : start
        var e = end < 0 ? end + dim : end
        if step > 0 {
            s = Swift.min(Swift.max(s, 0), dim)
            e = Swift.min(Swift.max(e, 0), dim)
        } else {
            s = Swift.min(Swift.max(s, 0), dim - 1)
            e = Swift.min(Swift.max(e, -1), dim - 1)
        }
        return (s, e)
    }

    /// `Split` along `axis`: sizes from the `split` attribute (before opset 13) or
    /// input (from 13), else equal parts over the outputs; from opset 18
    /// `num_outputs` gives parts of `⌈d/n⌉` with a smaller last one.
    static func split(_ ctx: InferenceContext) throws -> [ValueType?] {
        let count = ctx.node.outputs.count
        guard let x = ctx.type(0) else { return [] }
        guard let s = x.shape else { return Array(repeating: ValueType(x.dataType, nil), count: count) }
        let axis = try ctx.axis(try ctx.node.int("axis", default: 0)!, rank: s.rank)
        let d = s[axis]
        var sizes: [Dim]
        if ctx.opset < 13, let given = try ctx.node.ints("split") {
            sizes = given.map(Dim.value)
        } else if ctx.opset >= 13, ctx.has(1) {
            // Sizes from a non-constant input: each output's dim is unknown.
            sizes = ctx.dims(1) ?? (0..<count).map { freshDim(ctx, output: $0, axis: axis) }
        } else {
            sizes = try equalSplit(ctx, dim: d, parts: count)
        }
        guard sizes.count == count else {
            throw ctx.fail("\(sizes.count) split sizes for \(count) outputs")
        }
        let total = sizes.reduce(Dim.value(0)) { $0.adding($1) }
        if total.isProvablyDifferent(from: d) {
            throw ctx.fail("split sizes \(sizes.map(\.description)) do not add up to dim \(d) of axis \(axis)")
        }
        return sizes.map { size in
            var dims = s.dims
            dims[axis] = size
            return ValueType(x.dataType, Shape(dims))
        }
    }

    /// Equal parts of a dim: `d/n` each (before opset 18 it must divide), or with
    /// `num_outputs` (opset 18) `⌈d/n⌉` each and the remainder last.
    static func equalSplit(_ ctx: InferenceContext, dim d: Dim, parts count: Int) throws -> [Dim] {
        let n = try ctx.opset >= 18 ? ctx.node.int("num_outputs") ?? count : count
        guard n >= 1, n == count else {
            throw ctx.fail("num_outputs \(n) does not match \(count) outputs")
        }
        if ctx.opset >= 18, try ctx.node.int("num_outputs") != nil {
            guard let chunk = d.ceilDivided(by: .value(n)) else { return [] }
            let last = d.subtracting(chunk.multiplied(by: .value(n - 1)))
            if let v = last.value, v < 0 { throw ctx.fail("dim \(d) cannot be split into \(n) parts") }
            return Array(repeating: chunk, count: n - 1) + [last]
        }
        if let v = d.value, v % n != 0 {
            throw ctx.fail("dim \(v) does not split evenly into \(n) outputs")
        }
        guard let part = d.floorDivided(by: .value(n)) else { return [] }
        return Array(repeating: part, count: n)
    }
}
