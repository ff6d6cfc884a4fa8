import IR

extension ShapeOps {
    /// Slice: `starts`/`ends`/`axes` attributes before opset 10; inputs 1...4
    /// (`starts`, `ends`, optional `axes`, optional `steps`) from 10.
    ///
    /// Per axis of size `d`: negatives add `d`, then for a positive step
    /// `start, end` clamp to `[0, d]`, for a negative step `start` clamps to
    /// `[0, d-1]` and `end` to `[-1, d-1]`; the count is
    /// `max(0, ceil((end - start) / step))`. Huge ends (INT64_MAX) just clamp.
    static func slice(_ ctx: NodeContext) throws -> Tensor {
        let x = try ctx.input(0)
        let starts: [Int], ends: [Int]
        var axes: [Int]?, steps: [Int]?
        if ctx.opset < 10 {
            starts = try ctx.node.required("starts") { try ctx.node.ints($0) }
            ends = try ctx.node.required("ends") { try ctx.node.ints($0) }
            axes = try ctx.node.ints("axes")
        } else {
            guard let s = try TensorOps.intsInput(ctx, 1, what: "starts"),
                  let e = try TensorOps.intsInput(ctx, 2, what: "ends") else { throw ctx.fail("starts and ends are required") }
            starts = s
            ends = e
            axes = try TensorOps.intsInput(ctx, 3, what: "axes")
            steps = try TensorOps.intsInput(ctx, 4, what: "steps")
        }
        let axisList = try TensorOps.normalizedAxes(axes ?? Array(0..<starts.count), rank: x.rank, ctx)
        let stepList = steps ?? [Int](repeating: 1, count: starts.count)
        guard ends.count == starts.count, axisList.count == starts.count, stepList.count == starts.count else {
            throw ctx.fail("starts, ends, axes and steps differ in length")
        }
        let strides = Shapes.strides(x.shape)
        var perAxis = (0..<x.rank).map { a in (0..<x.shape[a]).map { $0 * strides[a] } }
        for (k, axis) in axisList.enumerated() {
            let d = x.shape[axis], step = stepList[k]
            guard step != 0 else { throw ctx.fail("step for axis \(axis) is 0") }
            var start = starts[k] < 0 ? starts[k] + d : starts[k]
            var end = ends[k] < 0 ? ends[k] + d : ends[k]
            let count: Int
            if step > 0 {
                start = Swift.min(Swift.max(start, 0), d)
                end = Swift.min(Swift.max(end, 0), d)
                count = end > start ? (end - start - 1) / step + 1 : 0
            } else {
                start = Swift.min(Swift.max(start, 0), d - 1)
                end = Swift.min(Swift.max(end, -1), d - 1)
                let magnitude = step == Int.min ? Int.max : -step
                count = start > end ? (start - end - 1) / magnitude + 1 : 0
            }
            perAxis[axis] = (0..<count).map { (start + $0 * step) * strides[axis] }
        }
        return Tensor(shape: perAxis.map(\.count), data: x.data.gathering(TensorOps.combine(perAxis)))
    }

    /// Split along `axis` into the sizes of `split` (attribute before opset 13,
    /// input from 13), else into `num_outputs` (opset 18) or one part per output:
    /// equal parts of `ceil(d / n)`, the last one smaller when `d` does not divide.
    static func split(_ ctx: NodeContext) throws -> [Tensor] {
        let x = try ctx.input(0)
        guard x.rank > 0 else { throw ctx.fail("cannot split a scalar") }
        let axis = try TensorOps.normalizedAxis(try ctx.node.int("axis") ?? 0, rank: x.rank, ctx)
        let d = x.shape[axis]
        let explicit = ctx.opset < 13 ? try ctx.node.ints("split") : try TensorOps.intsInput(ctx, 1, what: "split")
        var sizes: [Int]
        if let explicit {
            sizes = explicit
            guard sizes.allSatisfy({ $0 >= 0 }), sizes.reduce(0, +) == d else {
                throw ctx.fail("split sizes \(explicit) do not add up to \(d), the size of axis \(axis)")
            }
        } else {
            let n = ctx.opset >= 18 ? (try ctx.node.int("num_outputs") ?? ctx.node.outputs.count) : ctx.node.outputs.count
            guard n > 0 else { throw ctx.fail("cannot split axis \(axis) of size \(d) into \(n) parts") }
            let chunk = (d + n - 1) / n
            if ctx.opset < 18 && chunk * n != d { throw ctx.fail("axis \(axis) of size \(d) does not split evenly into \(n) parts") }
            sizes = (0..<n).map { Swift.max(0, Swift.min(chunk, d - $0 * chunk)) }
        }
        let strides = Shapes.strides(x.shape)
        var perAxis = (0..<x.rank).map { a in (0..<x.shape[a]).map { $0 * strides[a] } }
        var offset = 0
        var parts: [Tensor] = []
        for size in sizes {
            perAxis[axis] = (offset..<(offset + size)).map { $0 * strides[axis] }
            parts.append(Tensor(shape: perAxis.map(\.count), data: x.data.gathering(TensorOps.combine(perAxis))))
            offset += size
        }
        return parts
    }

    /// Tile: repeats the input `repeats[i]` times along each axis.
    static func tile(_ ctx: NodeContext) throws -> Tensor {
        let x = try ctx.input(0)
        guard let repeats = try TensorOps.intsInput(ctx, 1, what: "repeats") else { throw ctx.fail("repeats are missing") }
        guard repeats.count == x.rank, repeats.allSatisfy({ $0 >= 0 }) else {
            throw ctx.fail("repeats \(repeats) must be \(x.rank) non-negative values")
        }
        let outShape = try zip(x.shape, repeats).map { d, r in
            let (p, overflow) = d.multipliedReportingOverflow(by: r)
            if overflow { throw ctx.fail("tiled shape overflows") }
            return p
        }
        _ = try TensorOps.checkedCount(outShape, ctx)
        let strides = Shapes.strides(x.shape)
        let perAxis = (0..<x.rank).map { a in (0..<outShape[a]).map { ($0 % x.shape[a]) * strides[a] } }
        return Tensor(shape: outShape, data: x.data.gathering(TensorOps.combine(perAxis)))
    }

    /// Trilu: keeps the upper (`upper` = 1, default) or lower triangle of the
    /// last two dims, shifted by diagonal `k` (input 1): upper keeps `j - i >= k`,
    /// lower keeps `j - i <= k`; the rest becomes zero.
    static func trilu(_ ctx: NodeContext) throws -> Tensor {
        let x = try ctx.input(0)
        guard x.rank >= 2 else { throw ctx.fail("input must have rank >= 2, got \(x.shape)") }
        let k = try TensorOps.scalarIntInput(ctx, 1, what: "k") ?? 0
        let upper = (try ctx.node.int("upper") ?? 1) != 0
        let rows = x.shape[x.rank - 2], cols = x.shape[x.rank - 1]
        let zero = Tensor.zeros(x.dataType, shape: [1]).data
        guard let withZero = TensorData.concatenating([x.data, zero]) else { throw ctx.fail("internal: dtype mismatch") }
        var source = [Int](repeating: x.count, count: x.count)
        for i in 0..<x.count {
            let j = i % cols, r = (i / cols) % rows
            let keep = upper ? j - r >= k : j - r <= k
            if keep { source[i] = i }
        }
        return Tensor(shape: x.shape, data: withZero.gathering(source))
    }
}
