/// Ops whose output shape is the *contents* of an input: Reshape, Expand,
/// ConstantOfShape, Range; and Constant.
extension ShapeInference {
    /// `Reshape`: the target shape, where 0 copies the input dim (unless
    /// `allowzero`, opset 14) and one -1 takes what is left:
    /// `d₋₁ = (∏ input dims) / (∏ other target dims)`.
    static func reshape(_ ctx: InferenceContext) throws -> ValueType? {
        guard let x = ctx.type(0) else { return nil }
        let target: [Dim]
        if ctx.opset < 5 {
            target = try ctx.node.required("shape") { try ctx.node.ints($0) }.map(Dim.value)
        } else {
            try ctx.requireInput(1)
            guard let t = ctx.dims(1) else { return ValueType(x.dataType, unknownDims(ctx, lengthOf: 1)) }
            target = t
        }
        let allowZeroAttribute = try ctx.node.int("allowzero", default: 0)! != 0
        let allowZero = ctx.opset >= 14 && allowZeroAttribute
        var dims = target
        var inferred: Int? = nil
        for (i, d) in target.enumerated() {
            guard let v = d.value else { continue }
            if v == -1 {
                guard inferred == nil else { throw ctx.fail("target shape \(Shape(target).bracketed) has two -1 dims") }
                inferred = i
            } else if v == 0 && !allowZero {
                guard let s = x.shape else { dims[i] = freshDim(ctx, output: 0, axis: i); continue }
                guard i < s.rank else { throw ctx.fail("target dim \(i) copies a dim the input \(s.bracketed) lacks") }
                dims[i] = s[i]
            } else if v < -1 {
                throw ctx.fail("target dim \(v) is negative")
            }
        }
        if allowZero, inferred != nil, target.contains(.value(0)) {
            throw ctx.fail("allowzero forbids 0 and -1 in the same target shape")
        }
        guard let s = x.shape else {
            if let k = inferred { dims[k] = freshDim(ctx, output: 0, axis: k) }
            return ValueType(x.dataType, Shape(dims))
        }
        let total = Dim.product(s.dims)
        if let k = inferred {
            let known = Dim.product(dims.enumerated().filter { $0.offset != k }.map(\.element))
            if let t = total.value, let n = known.value, n > 0, t % n != 0 {
                throw ctx.fail("cannot reshape \(s.bracketed) (\(t) elements) to \(Shape(target).bracketed)")
            }
            dims[k] = known.value == 0 ? .value(0) : total.floorDivided(by: known) ?? freshDim(ctx, output: 0, axis: k)
        } else if total.isProvablyDifferent(from: Dim.product(dims)) {
            throw ctx.fail("cannot reshape \(s.bracketed) to \(Shape(dims).bracketed): element counts differ")
        }
        return ValueType(x.dataType, Shape(dims))
    }

    /// A shape of fresh dims as long as the 1-D input `i`, when that length is static.
    static func unknownDims(_ ctx: InferenceContext, lengthOf i: Int) -> Shape? {
        guard let s = ctx.shape(i), s.rank == 1, let n = s[0].value else { return nil }
        return Shape((0..<n).map { freshDim(ctx, output: 0, axis: $0) })
    }

    /// `Expand`: the bidirectional broadcast of the input shape and the target shape.
    static func expand(_ ctx: InferenceContext) throws -> ValueType? {
        try ctx.requireInput(1)
        guard let x = ctx.type(0) else { return nil }
        guard let s = x.shape, let target = ctx.dims(1) else {
            return ValueType(x.dataType, ctx.shape(0) == nil ? nil : unknownDims(ctx, lengthOf: 1))
        }
        guard let out = broadcast(s, Shape(target)) else {
            throw ctx.fail("input \(s.bracketed) does not broadcast to \(Shape(target).bracketed)")
        }
        return ValueType(x.dataType, out)
    }

    /// `ConstantOfShape`: a tensor of the given shape and the `value` attribute's element type (float32 by default).
    static func constantOfShape(_ ctx: InferenceContext) throws -> ValueType? {
        let dataType = try ctx.node.tensor("value")?.dataType ?? .float32
        guard let dims = ctx.dims(0) else { return ValueType(dataType, unknownDims(ctx, lengthOf: 0)) }
        if let bad = dims.first(where: { ($0.value ?? 0) < 0 }) {
            throw ctx.fail("shape has a negative dim \(bad)")
        }
        return ValueType(dataType, Shape(dims))
    }

    /// `Range(start, limit, delta)`: a 1-D tensor of `max(⌈(limit - start)/delta⌉, 0)` elements.
    static func range(_ ctx: InferenceContext) throws -> ValueType? {
        for i in 0..<3 { try ctx.requireInput(i) }
        guard let dataType = ctx.dataType(0) ?? ctx.dataType(1) ?? ctx.dataType(2) else { return nil }
        for i in 0..<3 {
            if let s = ctx.shape(i), s.rank > 1 || (s.rank == 1 && s[0].value != 1) {
                throw ctx.fail("input \(i) of shape \(s.bracketed) is not a scalar")
            }
        }
        if dataType.isFloatingPoint, let a = ctx.constant(0)?.doubleValues(), let b = ctx.constant(1)?.doubleValues(),
           let c = ctx.constant(2)?.doubleValues(), a.count == 1, b.count == 1, c.count == 1 {
            guard c[0] != 0 else { throw ctx.fail("delta is zero") }
            let n = ((b[0] - a[0]) / c[0]).rounded(.up)
            guard n.isFinite, n < 0x1p62 else { throw ctx.fail("range of \(n) elements is too large") }
            return ValueType(dataType, Shape([Dim.value(Swift.max(Int(n), 0))]))
        }
        guard let start = ctx.dims(0)?.first, let limit = ctx.dims(1)?.first, let delta = ctx.dims(2)?.first,
              delta.isStatic else {
            return ValueType(dataType, Shape([freshDim(ctx, output: 0, axis: 0)]))
        }
        guard delta.value != 0, let n = limit.subtracting(start).ceilDivided(by: delta) else {
            throw ctx.fail("delta is zero")
        }
        return ValueType(dataType, Shape([n.value.map { Dim.value(Swift.max($0, 0)) } ?? n]))
    }

    /// `Constant`: the type of whichever `value*` attribute it carries.
    static func constant(_ ctx: InferenceContext) throws -> ValueType? {
        guard let t = try constantTensor(ctx.node) else {
            if ctx.node.attributes["sparse_value"] != nil { return nil }
            throw ctx.fail("Constant has none of the value attributes")
        }
        return ValueType(t.dataType, Shape(t.shape))
    }

    /// The tensor a `Constant` node holds, from `value`, `value_float(s)`,
    /// `value_int(s)` or `value_string(s)`; nil for none (or `sparse_value`).
    public static func constantTensor(_ node: Node) throws -> Tensor? {
        if let t = try node.tensor("value") { return t }
        if let v = try node.float("value_float") { return Tensor(scalar: v) }
        if let v = try node.floats("value_floats") { return Tensor(v, shape: [v.count]) }
        if let v = try node.int("value_int") { return Tensor(scalar: Int64(v)) }
        if let v = try node.ints("value_ints") { return Tensor(v.map { Int64($0) }, shape: [v.count]) }
        if let v = try node.string("value_string") { return Tensor(shape: [], data: .string([v])) }
        if let v = try node.strings("value_strings") { return Tensor(shape: [v.count], data: .string(v)) }
        return nil
    }
}
