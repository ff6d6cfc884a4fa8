import IR

/// ReduceSum/Mean/Max/Min/Prod and CumSum for float32, float64, int32 and
/// int64 (ReduceMax/Min also bool). float32 sums and products accumulate in
/// Double; integers wrap on overflow.
enum Reductions {
    /// Reduces over `axes` (all axes when absent or empty, unless
    /// `noop_with_empty_axes` = 1, which returns the input unchanged).
    ///
    /// `axes` is an attribute before opset 13 (ReduceSum) / 18 (the others)
    /// and an optional int64 input from then on. Reducing an empty set gives
    /// the operation's identity: 0 (sum), 1 (prod), −∞ / the smallest integer /
    /// false (max), +∞ / the largest integer / true (min); the mean of an empty
    /// set is NaN.
    static func reduce(_ op: Op, _ ctx: NodeContext) throws -> Tensor {
        let x = try ctx.input(0)
        let keepDims = try ctx.node.int("keepdims", default: 1)! != 0
        let axes = try reductionAxes(op, ctx)
        if axes.isEmpty, try ctx.node.int("noop_with_empty_axes", default: 0)! != 0 { return x }
        var reduced = [Bool](repeating: axes.isEmpty, count: x.rank)
        for a in axes {
            let axis = try MathShape.axis(a, rank: x.rank, ctx, what: "axes entry")
            guard !reduced[axis] else { throw ctx.fail("axes \(axes) name axis \(axis) twice") }
            reduced[axis] = true
        }
        var outShape: [Int] = []
        for d in 0..<x.rank where keepDims || !reduced[d] { outShape.append(reduced[d] ? 1 : x.shape[d]) }
        let count = (0..<x.rank).reduce(1) { reduced[$1] ? $0 * x.shape[$1] : $0 }
        let plan = ReductionPlan(shape: x.shape, reduced: reduced)
        let data: TensorData
        switch x.data {
        case .float32(let v):
            if op == .reduceMax || op == .reduceMin {
                data = .float32(try plan.run(op, v, count: count, ctx))
            } else {
                data = .float32(try plan.run(op, v.map { Double($0) }, count: count, ctx).map { Float($0) })
            }
        case .float64(let v): data = .float64(try plan.run(op, v, count: count, ctx))
        case .int32(let v): data = .int32(try plan.run(op, v, count: count, ctx))
        case .int64(let v): data = .int64(try plan.run(op, v, count: count, ctx))
        case .bool(let v) where op == .reduceMax || op == .reduceMin:
            let r = try plan.run(op, v.map { Int32($0 ? 1 : 0) }, count: count, ctx)
            data = .bool(r.map { $0 > 0 })
        default: throw ctx.fail("\(op.rawValue) does not support dtype \(x.dataType) in the reference")
        }
        return Tensor(shape: outShape, data: data)
    }

    /// The axes from the attribute or the second input, per the node's opset.
    static func reductionAxes(_ op: Op, _ ctx: NodeContext) throws -> [Int] {
        let inputSince = op == .reduceSum ? 13 : 18
        guard ctx.opset >= inputSince else {
            if ctx.optionalInput(1) != nil {
                throw ctx.fail("axes is an attribute before opset \(inputSince), not an input (opset \(ctx.opset))")
            }
            return try ctx.node.ints("axes", default: [])!
        }
        if ctx.node.attributes["axes"] != nil {
            throw ctx.fail("axes is an input from opset \(inputSince), not an attribute (opset \(ctx.opset))")
        }
        guard let t = ctx.optionalInput(1) else { return [] }
        guard t.dataType == .int64 || t.dataType == .int32, t.rank <= 1, let axes = t.intValues() else {
            throw ctx.fail("axes must be a 1-D int64 tensor (got \(t.dataType)\(t.shape))")
        }
        return axes
    }

    /// CumSum along the axis given by the scalar second input:
    ///
    ///     y[i] = Σ_{j ≤ i} x[j]   (exclusive: j < i; reverse: j ≥ i, or j > i)
    static func cumSum(_ ctx: NodeContext) throws -> Tensor {
        let x = try ctx.input(0), axisTensor = try ctx.input(1)
        guard axisTensor.dataType == .int64 || axisTensor.dataType == .int32, axisTensor.rank <= 1,
              let axisValues = axisTensor.intValues(), axisValues.count == 1 else {
            throw ctx.fail("axis must be an int32 or int64 scalar (got \(axisTensor.dataType)\(axisTensor.shape))")
        }
        guard x.rank >= 1 else { throw ctx.fail("input must have rank ≥ 1 (got a scalar)") }
        let axis = try MathShape.axis(axisValues[0], rank: x.rank, ctx)
        let exclusive = try ctx.node.int("exclusive", default: 0)! != 0
        let reverse = try ctx.node.int("reverse", default: 0)! != 0
        let scan = CumulativeScan(outer: MathShape.product(x.shape, 0..<axis), length: x.shape[axis],
                                  inner: MathShape.product(x.shape, (axis + 1)..<x.rank),
                                  exclusive: exclusive, reverse: reverse)
        switch x.data {
        case .float32(let v): return Tensor(shape: x.shape, data: .float32(scan.run(v)))
        case .float64(let v): return Tensor(shape: x.shape, data: .float64(scan.run(v)))
        case .int32(let v): return Tensor(shape: x.shape, data: .int32(scan.run(v)))
        case .int64(let v): return Tensor(shape: x.shape, data: .int64(scan.run(v)))
        default: throw ctx.fail("CumSum does not support dtype \(x.dataType) in the reference")
        }
    }
}

/// A running sum along the middle dim of `[outer, length, inner]`.
struct CumulativeScan {
    let outer: Int, length: Int, inner: Int
    let exclusive: Bool, reverse: Bool

    func run<T: MathScalar>(_ x: [T]) -> [T] {
        var y = [T](repeating: .mathZero, count: x.count)
        for o in 0..<outer {
            for i in 0..<inner {
                let base = o * length * inner + i
                var running = T.mathZero
                for step in 0..<length {
                    let at = base + (reverse ? length - 1 - step : step) * inner
                    if exclusive {
                        y[at] = running
                        running = T.mathAdd(running, x[at])
                    } else {
                        running = T.mathAdd(running, x[at])
                        y[at] = running
                    }
                }
            }
        }
        return y
    }
}
