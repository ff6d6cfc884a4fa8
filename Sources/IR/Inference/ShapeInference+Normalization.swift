/// Normalizations, softmax and reductions: ops over one or more axes.
extension ShapeInference {
    /// `Softmax` / `LogSoftmax`: same type; the axis (default 1 before opset 13, -1 from 13) must exist.
    static func softmax(_ ctx: InferenceContext) throws -> ValueType? {
        guard let x = ctx.type(0) else { return nil }
        if let s = x.shape {
            let axis = try ctx.node.int("axis", default: ctx.opset < 13 ? 1 : -1)!
            // Before 13 the input is coerced to 2-D at `axis`, so axis == rank is allowed.
            let rank = ctx.opset < 13 ? s.rank + 1 : s.rank
            _ = try ctx.axis(axis, rank: Swift.max(rank, 1))
        }
        return x
    }

    /// `BatchNormalization`: `Y` like `X`; the optional running or saved statistics are `[C]`.
    static func batchNormalization(_ ctx: InferenceContext) throws -> [ValueType?] {
        for i in 0..<5 { try ctx.requireInput(i) }
        let x = ctx.type(0)
        var channels: Dim? = nil
        if let s = x?.shape {
            guard s.rank >= 2 else { throw ctx.fail("input rank \(s.rank) is below 2") }
            channels = s[1]
            for i in 1..<5 {
                guard let p = ctx.shape(i) else { continue }
                guard p.rank == 1, !p[0].isProvablyDifferent(from: s[1]) else {
                    throw ctx.fail("input \(i) has shape \(p.bracketed), expected [\(s[1])]")
                }
            }
        }
        let statType = ctx.dataType(3) ?? x?.dataType
        let stat = statType.map { ValueType($0, channels.map { Shape([$0]) }) }
        return [x] + [ValueType?](repeating: stat, count: Swift.max(ctx.node.outputs.count - 1, 0))
    }

    /// `LayerNormalization`: `Y` like `X`; `Mean` and `InvStdDev` keep the dims
    /// before `axis` and have 1 from `axis` on, in the `stash_type` element type.
    static func layerNormalization(_ ctx: InferenceContext) throws -> [ValueType?] {
        try ctx.requireInput(1)
        guard let x = ctx.type(0) else { return [] }
        let stashCode = try ctx.node.int("stash_type", default: 1)!
        guard let stash = DataType(rawValue: stashCode) else {
            throw ctx.fail("stash_type \(stashCode) is not a supported element type")
        }
        guard let s = x.shape else { return [x, ValueType(stash, nil), ValueType(stash, nil)] }
        let axis = try ctx.axis(try ctx.node.int("axis", default: -1)!, rank: s.rank)
        let normalized = Array(s.dims[axis...])
        for i in [1, 2] {
            guard let p = ctx.shape(i) else { continue }
            if p.rank > normalized.count || broadcast(Shape(normalized), p) == nil {
                throw ctx.fail("input \(i) of shape \(p.bracketed) does not broadcast to \(Shape(normalized).bracketed)")
            }
        }
        let stat = ValueType(stash, Shape(Array(s.dims[..<axis]) + Array(repeating: Dim.value(1), count: s.rank - axis)))
        return [x, stat, stat]
    }

    /// The opset from which a reduction takes `axes` as an input rather than an attribute.
    static func axesInputSince(_ op: Op) -> Int { op == .reduceSum ? 13 : 18 }

    /// `Reduce*`: removes (or keeps as 1, `keepdims`) the reduced axes; no axes
    /// reduce all unless `noop_with_empty_axes` is set (input form only).
    static func reduce(_ op: Op, _ ctx: InferenceContext) throws -> ValueType? {
        guard let x = ctx.type(0) else { return nil }
        let keep = try ctx.node.int("keepdims", default: 1)! != 0
        guard let s = x.shape else { return ValueType(x.dataType, nil) }
        let since = axesInputSince(op)
        let list: [Int]
        switch try ctx.axes(input: 1, inputSince: since) {
        case .known(let a) where !a.isEmpty: list = a
        case .known, .absent:
            let noop = try ctx.node.int("noop_with_empty_axes", default: 0)! != 0
            if noop && ctx.opset >= since { return x }
            list = Array(0..<s.rank)
        case .unknown:
            guard keep else { return ValueType(x.dataType, nil) }
            return ValueType(x.dataType, Shape((0..<s.rank).map { freshDim(ctx, output: 0, axis: $0) }))
        }
        let axes = Set(try ctx.axes(list, rank: s.rank))
        var dims: [Dim] = []
        for (i, d) in s.dims.enumerated() {
            if !axes.contains(i) { dims.append(d) } else if keep { dims.append(1) }
        }
        return ValueType(x.dataType, Shape(dims))
    }

    /// A new symbol for a dim that exists but cannot be expressed: `<output>_d<axis>`,
    /// unique per output and axis, so it never equals another unknown dim by accident.
    static func freshDim(_ ctx: InferenceContext, output k: Int, axis: Int) -> Dim {
        let name = k < ctx.node.outputs.count ? ctx.node.outputs[k] : ctx.node.name
        let safe = String(name.unicodeScalars.map {
            $0 == "_" || $0.properties.isAlphabetic || ("0"..."9").contains($0) ? Character($0) : "_"
        })
        return .symbol("\(safe)_d\(axis)")
    }
}
