/// Value propagation for shape tensors, like ONNX's data propagation: the
/// contents of small integer tensors of rank 0 or 1 are tracked as dims
/// (static or symbolic) through the ops exporters use to compute shapes.
///
/// PyTorch's legacy exporter writes `Shape → Gather → Unsqueeze → Concat →
/// Reshape`; tracking `[B, T, 4, 64]` through that chain is what lets the
/// Reshape get a symbolic output shape.
enum ShapeValues {
    /// The contents of the node's first output, or nil when not tracked.
    static func propagate(_ op: Op, _ ctx: InferenceContext, outputType: ValueType?) throws -> [Dim]? {
        guard let out = outputType, out.dataType.isInteger || out.dataType == .bool,
              (out.shape?.rank ?? 0) <= 1 else { return nil }
        switch op {
        case .shape:
            guard let s = ctx.shape(0) else { return nil }
            return Array(s.dims[try ShapeInference.shapeRange(ctx, rank: s.rank)])
        case .size:
            return ctx.shape(0).map { [Dim.product($0.dims)] }
        case .constant:
            return try ShapeInference.constantTensor(ctx.node).flatMap(ShapeInference.trackedValue)
        case .identity, .unsqueeze, .squeeze, .reshape, .cast, .expand:
            // Same elements, rank 0 ↔ 1 (Expand only when it does not grow the tensor).
            guard let v = ctx.dims(0), let shape = out.shape else { return nil }
            let count = shape.rank == 0 ? 1 : shape[0].value
            return count == v.count ? v : nil
        case .gather: return gather(ctx)
        case .slice: return try slice(ctx)
        case .concat:
            var all: [Dim] = []
            for i in ctx.node.inputs.indices where ctx.has(i) {
                guard let v = ctx.dims(i) else { return nil }
                all += v
            }
            return all
        case .add, .sub, .mul, .div, .min, .max, .equal: return arithmetic(op, ctx)
        case .where: return select(ctx)
        case .constantOfShape:
            guard let dims = ctx.ints(0), dims.count <= 1 else { return nil }
            let fill = try ctx.node.tensor("value")?.intValues()?.first ?? 0
            return Array(repeating: .value(fill), count: dims.first ?? 1)
        case .range:
            guard let s = ctx.ints(0)?.first, let l = ctx.ints(1)?.first, let d = ctx.ints(2)?.first, d != 0
            else { return nil }
            let (span, overflow) = l.subtractingReportingOverflow(s)
            guard !overflow, d != Int.min else { return nil }
            let n = span == 0 || (span > 0) != (d > 0) ? 0 : Int((span.magnitude - 1) / d.magnitude) + 1
            guard n <= ShapeInference.maxTrackedElements else { return nil }
            return (0..<n).map { .value(s &+ $0 &* d) }
        default:
            return nil
        }
    }

    /// `Gather` on axis 0 of a tracked vector with constant indices.
    static func gather(_ ctx: InferenceContext) -> [Dim]? {
        guard let data = ctx.dims(0), let indices = ctx.ints(1),
              (try? ctx.node.int("axis", default: 0)) == 0 else { return nil }
        var out: [Dim] = []
        for i in indices {
            let j = i < 0 ? i + data.count : i
            guard j >= 0, j < data.count else { return nil }
            out.append(data[j])
        }
        return out
    }

    /// `Slice` of a tracked vector with static parameters.
    static func slice(_ ctx: InferenceContext) throws -> [Dim]? {
        guard let data = ctx.dims(0),
              let p = try? ShapeInference.sliceParameters(ctx, rank: 1), p.axes == [0],
              let start = p.starts[0].value, let end = p.ends[0].value else { return nil }
        let r = ShapeInference.staticSliceRange(dim: data.count, start: start, end: end, step: p.steps[0])
        return stride(from: r.start, to: r.end, by: p.steps[0]).map { data[$0] }
    }

    /// Elementwise arithmetic on two tracked vectors (lengths equal or one of them 1).
    static func arithmetic(_ op: Op, _ ctx: InferenceContext) -> [Dim]? {
        guard ctx.node.inputs.count == 2, let a = ctx.dims(0), let b = ctx.dims(1),
              a.count == b.count || a.count == 1 || b.count == 1 else { return nil }
        var out: [Dim] = []
        for i in 0..<Swift.max(a.count, b.count) {
            let x = a[a.count == 1 ? 0 : i], y = b[b.count == 1 ? 0 : i]
            guard let r = apply(op, x, y) else { return nil }
            out.append(r)
        }
        return out
    }

    static func apply(_ op: Op, _ x: Dim, _ y: Dim) -> Dim? {
        switch op {
        case .add: return x.adding(y)
        case .sub: return x.subtracting(y)
        case .mul: return x.multiplied(by: y)
        case .div:
            // Integer Div truncates; for the non-negative sizes shapes hold that is floor division.
            if let a = x.value, let b = y.value {
                let (q, overflow) = a.dividedReportingOverflow(by: b)
                return b == 0 || overflow ? nil : .value(q)
            }
            return x.floorDivided(by: y)
        case .min, .max:
            guard let c = (DimExpr(x) - DimExpr(y)).constant else { return nil }
            return (c <= 0) == (op == .min) ? x : y
        case .equal:
            if x.isProvablyEqual(to: y) { return 1 }
            if x.isProvablyDifferent(from: y) { return 0 }
            // A size is never negative: comparing one with -1 (PyTorch's "keep" marker) is false.
            if (x.value ?? 0) < 0 || (y.value ?? 0) < 0 { return 0 }
            return nil
        default: return nil
        }
    }

    /// `Where(cond, x, y)` on tracked vectors with a static condition.
    static func select(_ ctx: InferenceContext) -> [Dim]? {
        guard let c = ctx.ints(0), let x = ctx.dims(1), let y = ctx.dims(2) else { return nil }
        let n = Swift.max(c.count, x.count, y.count)
        guard [c.count, x.count, y.count].allSatisfy({ $0 == n || $0 == 1 }) else { return nil }
        return (0..<n).map { i in
            c[c.count == 1 ? 0 : i] != 0 ? x[x.count == 1 ? 0 : i] : y[y.count == 1 ? 0 : i]
        }
    }
}
