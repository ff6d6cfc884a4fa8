import IR

extension ShapeOps {
    /// `GatherND` (opset 11+, `batch_dims` from 12): each index tuple of
    /// length k along the last axis of `indices` picks the slice
    /// `data[batch..., i0, ..., ik-1, ...]`; negative indices count from the end.
    static func gatherND(_ ctx: NodeContext) throws -> Tensor {
        let data = try ctx.input(0)
        let indicesTensor = try ctx.input(1)
        guard let indices = indicesTensor.intValues(), indicesTensor.dataType == .int64 || indicesTensor.dataType == .int32 else {
            throw ctx.fail("indices must be int64")
        }
        let b = try ctx.node.int("batch_dims") ?? 0
        let r = data.rank, q = indicesTensor.rank
        guard r >= 1, q >= 1, b >= 0, b < min(r, q) else { throw ctx.fail("batch_dims \(b) must be below both ranks (\(r), \(q))") }
        let k = indicesTensor.shape[q - 1]
        guard k >= 1, b + k <= r else { throw ctx.fail("indices' last dim \(k) plus batch_dims \(b) exceeds the data rank \(r)") }
        guard Array(data.shape[..<b]) == Array(indicesTensor.shape[..<b]) else {
            throw ctx.fail("batch dims of data \(data.shape) and indices \(indicesTensor.shape) differ")
        }
        let outShape = Array(indicesTensor.shape.dropLast()) + Array(data.shape[(b + k)...])
        _ = try TensorOps.checkedCount(outShape, ctx)
        let slice = Shapes.count(Array(data.shape[(b + k)...]))
        let strides = Shapes.strides(data.shape)
        let batches = Shapes.count(Array(data.shape[..<b]))
        let tuplesPerBatch = Shapes.count(Array(indicesTensor.shape[b..<(q - 1)]))
        let batchStride = b == 0 ? 0 : strides[b - 1]
        var source: [Int] = []
        source.reserveCapacity(batches * tuplesPerBatch * slice)
        for batch in 0..<batches {
            for t in 0..<tuplesPerBatch {
                var offset = batch * batchStride
                let tuple = (batch * tuplesPerBatch + t) * k
                for j in 0..<k {
                    let dim = data.shape[b + j]
                    var i = indices[tuple + j]
                    guard i >= -dim && i < dim else { throw ctx.fail("index \(i) is out of range for axis \(b + j) of size \(dim)") }
                    if i < 0 { i += dim }
                    offset += i * strides[b + j]
                }
                for e in 0..<slice { source.append(offset + e) }
            }
        }
        return Tensor(shape: outShape, data: data.data.gathering(source))
    }
}
