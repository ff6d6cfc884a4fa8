extension ShapeInference {
    /// `GatherND`: data rank r, indices rank q with last dim k, `batch_dims` b;
    /// output shape `indices.shape[:-1] + data.shape[b+k:]`.
    static func gatherND(_ ctx: InferenceContext) throws -> ValueType? {
        try ctx.requireInput(1)
        guard let data = ctx.type(0) else { return nil }
        guard let s = data.shape, let idx = ctx.shape(1) else { return ValueType(data.dataType, nil) }
        let b = try ctx.node.int("batch_dims", default: 0)!
        guard s.rank >= 1, idx.rank >= 1 else { throw ctx.fail("GatherND data and indices must have rank >= 1") }
        guard b >= 0, b < min(s.rank, idx.rank) else { throw ctx.fail("batch_dims \(b) must be below both ranks") }
        guard let k = idx.dims[idx.rank - 1].value else { return ValueType(data.dataType, nil) }
        guard k >= 1, b + k <= s.rank else {
            throw ctx.fail("indices' last dim \(k) plus batch_dims \(b) exceeds the data rank \(s.rank)")
        }
        return ValueType(data.dataType, Shape(Array(idx.dims.dropLast()) + Array(s.dims[(b + k)...])))
    }
}
