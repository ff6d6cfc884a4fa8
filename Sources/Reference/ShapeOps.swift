import IR

/// Reference kernels for shape and data-movement ops. They are generic over
/// the element type: each computes the source index of every output element
/// and gathers (``TensorData/gathering(_:)``). Slice, Split, Tile, Pad and
/// Trilu are in `ShapeOpsSlicing.swift`; Range and the constants in
/// `ShapeOpsConstants.swift`.
enum ShapeOps {
    /// The input's shape as int64, optionally sliced by `start`/`end` (opset 15),
    /// which clamp to `[0, rank]` after adding the rank to negatives.
    static func shape(_ ctx: NodeContext) throws -> Tensor {
        let x = try ctx.input(0)
        let rank = x.rank
        func clamp(_ v: Int) -> Int { Swift.min(Swift.max(v < 0 ? v + rank : v, 0), rank) }
        let start = clamp(try ctx.node.int("start") ?? 0)
        let end = clamp(try ctx.node.int("end") ?? rank)
        let dims = start < end ? x.shape[start..<end].map { Int64($0) } : []
        return Tensor(dims, shape: [dims.count])
    }

    /// The element count as an int64 scalar.
    static func size(_ ctx: NodeContext) throws -> Tensor {
        Tensor(scalar: Int64(try ctx.input(0).count))
    }

    /// Gather along `axis`: `out[a..., i..., b...] = data[a..., indices[i...], b...]`;
    /// negative indices count from the end.
    static func gather(_ ctx: NodeContext) throws -> Tensor {
        let data = try ctx.input(0)
        guard let indices = try TensorOps.intsInput(ctx, 1, what: "indices") else { throw ctx.fail("indices are missing") }
        let indexShape = try ctx.input(1).shape
        guard data.rank > 0 else { throw ctx.fail("data must have rank >= 1") }
        let axis = try TensorOps.normalizedAxis(try ctx.node.int("axis") ?? 0, rank: data.rank, ctx)
        let dim = data.shape[axis]
        let inner = Shapes.count(Array(data.shape[(axis + 1)...]))
        let outer = Shapes.count(Array(data.shape[..<axis]))
        let outShape = Array(data.shape[..<axis]) + indexShape + Array(data.shape[(axis + 1)...])
        _ = try TensorOps.checkedCount(outShape, ctx)
        let rows = try indices.map { i in
            guard i >= -dim && i < dim else { throw ctx.fail("index \(i) is out of range for axis \(axis) of size \(dim)") }
            return i < 0 ? i + dim : i
        }
        var source: [Int] = []
        source.reserveCapacity(outer * rows.count * inner)
        for o in 0..<outer {
            for r in rows {
                let base = (o * dim + r) * inner
                for j in 0..<inner { source.append(base + j) }
            }
        }
        return Tensor(shape: outShape, data: data.data.gathering(source))
    }

    /// Inserts size-1 dims at `axes` (attribute before opset 13, input from 13),
    /// each normalized against the output rank.
    static func unsqueeze(_ ctx: NodeContext) throws -> Tensor {
        let x = try ctx.input(0)
        guard let axes = try TensorOps.axes(ctx, input: 1, since: 13) else { throw ctx.fail("axes are missing") }
        let rank = x.rank + axes.count
        let inserted = Set(try TensorOps.normalizedAxes(axes, rank: rank, ctx))
        var shape: [Int] = []
        var next = x.shape.makeIterator()
        for d in 0..<rank { shape.append(inserted.contains(d) ? 1 : next.next() ?? 1) }
        return x.reshaped(shape)
    }

    /// Removes the size-1 dims at `axes` (attribute before 13, input from 13),
    /// or every size-1 dim when no axes are given.
    static func squeeze(_ ctx: NodeContext) throws -> Tensor {
        let x = try ctx.input(0)
        guard let axes = try TensorOps.axes(ctx, input: 1, since: 13) else {
            return x.reshaped(x.shape.filter { $0 != 1 })
        }
        let removed = Set(try TensorOps.normalizedAxes(axes, rank: x.rank, ctx))
        for a in removed where x.shape[a] != 1 {
            throw ctx.fail("cannot squeeze axis \(a) of size \(x.shape[a]) (shape \(x.shape))")
        }
        return x.reshaped(x.shape.enumerated().filter { !removed.contains($0.offset) }.map(\.element))
    }

    /// Joins the inputs along `axis`; all other dims must match.
    static func concat(_ ctx: NodeContext) throws -> Tensor {
        let parts = ctx.inputs.compactMap { $0 }
        guard let first = parts.first else { throw ctx.fail("needs at least one input") }
        guard first.rank > 0 else { throw ctx.fail("cannot concatenate scalars") }
        let axisAttr = try ctx.node.required("axis") { try ctx.node.int($0) }
        let axis = try TensorOps.normalizedAxis(axisAttr, rank: first.rank, ctx)
        var outShape = first.shape
        outShape[axis] = 0
        for p in parts {
            guard p.dataType == first.dataType else { throw ctx.fail("input dtypes differ: \(first.dataType) and \(p.dataType)") }
            guard p.rank == first.rank, zip(p.shape, first.shape).enumerated().allSatisfy({ $0.offset == axis || $0.element.0 == $0.element.1 }) else {
                throw ctx.fail("input shapes \(first.shape) and \(p.shape) differ outside axis \(axis)")
            }
            outShape[axis] += p.shape[axis]
        }
        guard let joined = TensorData.concatenating(parts.map(\.data)) else { throw ctx.fail("input dtypes differ") }
        let outer = Shapes.count(Array(first.shape[..<axis]))
        let inner = Shapes.count(Array(first.shape[(axis + 1)...]))
        var bases: [Int] = []
        var base = 0
        for p in parts { bases.append(base); base += p.count }
        var source: [Int] = []
        source.reserveCapacity(Shapes.count(outShape))
        for o in 0..<outer {
            for (p, b) in zip(parts, bases) {
                let block = p.shape[axis] * inner
                source.append(contentsOf: (b + o * block)..<(b + (o + 1) * block))
            }
        }
        return Tensor(shape: outShape, data: joined.gathering(source))
    }

    /// Reshape to the shape input: 0 copies the input dim (unless `allowzero`),
    /// one -1 is inferred from the element count.
    static func reshape(_ ctx: NodeContext) throws -> Tensor {
        let x = try ctx.input(0)
        let requested: [Int]
        if ctx.opset < 5, let attr = try ctx.node.ints("shape") {
            requested = attr
        } else {
            guard let s = try TensorOps.intsInput(ctx, 1, what: "shape") else { throw ctx.fail("shape is missing") }
            requested = s
        }
        let allowZero = (try ctx.node.int("allowzero") ?? 0) != 0
        var shape = requested
        var inferred: Int? = nil
        for (i, d) in requested.enumerated() {
            if d == 0 && !allowZero {
                guard i < x.rank else { throw ctx.fail("shape \(requested) copies dim \(i) of a rank-\(x.rank) input") }
                shape[i] = x.shape[i]
            } else if d == -1 {
                guard inferred == nil else { throw ctx.fail("shape \(requested) has more than one -1") }
                inferred = i
            } else if d < 0 {
                throw ctx.fail("shape \(requested) has invalid dim \(d)")
            }
        }
        if let i = inferred {
            shape[i] = 1
            let known = try TensorOps.checkedCount(shape, ctx)
            guard known > 0, x.count % known == 0 else {
                throw ctx.fail("cannot reshape \(x.shape) (\(x.count) elements) to \(requested)")
            }
            shape[i] = x.count / known
        }
        guard try TensorOps.checkedCount(shape, ctx) == x.count else {
            throw ctx.fail("cannot reshape \(x.shape) (\(x.count) elements) to \(requested)")
        }
        return x.reshaped(shape)
    }

    /// Flattens to 2-D: `[prod(shape[..<axis]), prod(shape[axis...])]`, axis in `[-rank, rank]`.
    static func flatten(_ ctx: NodeContext) throws -> Tensor {
        let x = try ctx.input(0)
        let a = try ctx.node.int("axis") ?? 1
        guard a >= -x.rank && a <= x.rank else { throw ctx.fail("axis \(a) is out of range for rank \(x.rank)") }
        let axis = a < 0 ? a + x.rank : a
        return x.reshaped([Shapes.count(Array(x.shape[..<axis])), Shapes.count(Array(x.shape[axis...]))])
    }

    /// Permutes the dims by `perm` (default: reversed): `out.shape[i] = in.shape[perm[i]]`.
    static func transpose(_ ctx: NodeContext) throws -> Tensor {
        let x = try ctx.input(0)
        let perm = try ctx.node.ints("perm") ?? Array((0..<x.rank).reversed())
        guard perm.count == x.rank, Set(perm) == Set(0..<x.rank) else {
            throw ctx.fail("perm \(perm) is not a permutation of 0..<\(x.rank)")
        }
        let strides = Shapes.strides(x.shape)
        let perAxis = perm.map { p in (0..<x.shape[p]).map { $0 * strides[p] } }
        return Tensor(shape: perm.map { x.shape[$0] }, data: x.data.gathering(TensorOps.combine(perAxis)))
    }

    /// Broadcasts the input with the shape input (bidirectionally: a 1 in the
    /// shape keeps the input's dim).
    static func expand(_ ctx: NodeContext) throws -> Tensor {
        let x = try ctx.input(0)
        guard let target = try TensorOps.intsInput(ctx, 1, what: "shape") else { throw ctx.fail("shape is missing") }
        guard target.allSatisfy({ $0 >= 0 }), let out = Shapes.broadcast(x.shape, target) else {
            throw ctx.fail("input shape \(x.shape) does not broadcast with \(target)")
        }
        _ = try TensorOps.checkedCount(out, ctx)
        guard let layout = BroadcastLayout([x.shape], to: out) else {
            throw ctx.fail("input shape \(x.shape) does not broadcast with \(target)")
        }
        return Tensor(shape: out, data: x.data.gathering(layout.sourceIndices(of: 0)))
    }
}
