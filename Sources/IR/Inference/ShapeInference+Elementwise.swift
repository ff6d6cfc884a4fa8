/// Elementwise ops: same shape as the input, or the broadcast of all inputs.
extension ShapeInference {
    /// Multidirectional broadcast of every present input; nil shape when a rank is unknown.
    static func broadcastOp(_ ctx: InferenceContext, dataType: DataType?) throws -> ValueType? {
        guard let dataType else { return nil }
        guard ctx.node.inputs.contains(where: { !$0.isEmpty }) else {
            throw ctx.fail("the op needs at least one input")
        }
        // Broadcast the known shapes (a static mismatch among them throws even
        // when another input's rank is unknown); any unknown rank leaves the result unknown.
        var acc = Shape([Dim]())
        var rankKnown = true
        for (i, name) in ctx.node.inputs.enumerated() where !name.isEmpty {
            guard let s = ctx.shape(i) else { rankKnown = false; continue }
            guard let b = broadcast(acc, s) else {
                throw ctx.fail("shapes \(acc.bracketed) and \(s.bracketed) do not broadcast")
            }
            acc = b
        }
        let shape: Shape? = rankKnown ? acc : nil
        return ValueType(dataType, shape)
    }

    /// `Where(cond, x, y)`: the broadcast of all three, typed like `x`.
    static func whereOp(_ ctx: InferenceContext) throws -> ValueType? {
        for i in 0..<3 { try ctx.requireInput(i) }
        if let c = ctx.dataType(0), c != .bool { throw ctx.fail("condition has dtype \(c), expected bool") }
        if let x = ctx.dataType(1), let y = ctx.dataType(2), x != y {
            throw ctx.fail("branches have different dtypes \(x) and \(y)")
        }
        return try broadcastOp(ctx, dataType: ctx.dataType(1) ?? ctx.dataType(2))
    }

    /// `Cast`: the input's shape with the `to` element type.
    static func cast(_ ctx: InferenceContext) throws -> ValueType? {
        let code = try ctx.node.required("to") { try ctx.node.int($0) }
        guard let to = DataType(rawValue: code) else {
            throw ctx.fail("'to' is \(code), which is not a supported element type")
        }
        return ValueType(to, ctx.shape(0))
    }

    /// `CastLike(x, like)`: the shape of `x`, the element type of `like`.
    static func castLike(_ ctx: InferenceContext) -> ValueType? {
        guard let to = ctx.dataType(1) else { return nil }
        return ValueType(to, ctx.shape(0))
    }

    /// `Dropout`: the data, and optionally a bool mask of the same shape.
    static func dropout(_ ctx: InferenceContext) throws -> [ValueType?] {
        let x = ctx.type(0)
        return [x, x.map { ValueType(.bool, $0.shape) }]
    }
}
