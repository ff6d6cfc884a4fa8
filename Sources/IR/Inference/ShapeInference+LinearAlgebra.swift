/// MatMul, Gemm and Conv.
extension ShapeInference {
    /// `MatMul` with NumPy semantics: `[..., M, K] × [..., K, N] → [..., M, N]`,
    /// batch dims broadcast, a 1-D operand promoted and its dim removed again.
    static func matMul(_ ctx: InferenceContext) throws -> ValueType? {
        try ctx.requireInput(1)
        guard let dataType = ctx.dataType(0) ?? ctx.dataType(1) else { return nil }
        guard let a = ctx.shape(0), let b = ctx.shape(1) else { return ValueType(dataType, nil) }
        guard a.rank >= 1, b.rank >= 1 else { throw ctx.fail("MatMul operands must not be scalars") }
        let a2 = a.rank == 1 ? Shape([1, a[0]]) : a
        let b2 = b.rank == 1 ? Shape([b[0], 1]) : b
        let k1 = a2[a2.rank - 1], k2 = b2[b2.rank - 2]
        if k1.isProvablyDifferent(from: k2) {
            throw ctx.fail("inner dims differ: \(a.bracketed) × \(b.bracketed)")
        }
        let batchA = Shape(Array(a2.dims.dropLast(2))), batchB = Shape(Array(b2.dims.dropLast(2)))
        guard let batch = broadcast(batchA, batchB) else {
            throw ctx.fail("batch dims \(batchA.bracketed) and \(batchB.bracketed) do not broadcast")
        }
        var dims = batch.dims
        if a.rank > 1 { dims.append(a2[a2.rank - 2]) }
        if b.rank > 1 { dims.append(b2[b2.rank - 1]) }
        return ValueType(dataType, Shape(dims))
    }

    /// `Gemm`: `α·op(A)·op(B) + β·C` with `op` an optional transpose; `[M, K] × [K, N] → [M, N]`,
    /// `C` broadcast to `[M, N]` in one direction.
    static func gemm(_ ctx: InferenceContext) throws -> ValueType? {
        try ctx.requireInput(1)
        guard let dataType = ctx.dataType(0) ?? ctx.dataType(1) else { return nil }
        guard let a = ctx.shape(0), let b = ctx.shape(1) else { return ValueType(dataType, nil) }
        guard a.rank == 2, b.rank == 2 else {
            throw ctx.fail("Gemm needs 2-D operands, got \(a.bracketed) and \(b.bracketed)")
        }
        let transA = try ctx.node.int("transA", default: 0)! != 0
        let transB = try ctx.node.int("transB", default: 0)! != 0
        let (m, ka) = transA ? (a[1], a[0]) : (a[0], a[1])
        let (kb, n) = transB ? (b[1], b[0]) : (b[0], b[1])
        if ka.isProvablyDifferent(from: kb) {
            throw ctx.fail("inner dims differ: op(A) is [\(m), \(ka)], op(B) is [\(kb), \(n)]")
        }
        let out = Shape([m, n])
        if let c = ctx.shape(2) {
            guard c.rank <= 2, let bc = broadcast(c, out),
                  !zip(bc.dims, out.dims).contains(where: { $0.isProvablyDifferent(from: $1) }) else {
                throw ctx.fail("C of shape \(c.bracketed) does not broadcast to \(out.bracketed)")
            }
        }
        return ValueType(dataType, out)
    }

    /// `Conv` over `n` spatial dims: `X [N, C, D...]`, `W [M, C/group, k...]` → `[N, M, O...]` with
    ///
    ///     O = ⌊(D + pad_begin + pad_end - dilation·(k-1) - 1) / stride⌋ + 1   (NOTSET)
    ///     O = ⌈D / stride⌉                                                    (SAME_UPPER, SAME_LOWER)
    ///     O = ⌊(D - dilation·(k-1) - 1) / stride⌋ + 1                          (VALID)
    static func conv(_ ctx: InferenceContext) throws -> ValueType? {
        try ctx.requireInput(1)
        guard let dataType = ctx.dataType(0) ?? ctx.dataType(1) else { return nil }
        guard let x = ctx.shape(0), let w = ctx.shape(1) else { return ValueType(dataType, nil) }
        guard x.rank >= 3, w.rank == x.rank else {
            throw ctx.fail("Conv needs X of rank ≥ 3 and W of the same rank, got \(x.bracketed) and \(w.bracketed)")
        }
        let n = x.rank - 2
        let node = ctx.node
        let group = try node.int("group", default: 1)!
        guard group >= 1 else { throw ctx.fail("group \(group) must be positive") }
        if let c = x[1].value, let cw = w[1].value, c != cw &* group {
            throw ctx.fail("X has \(c) channels but W expects \(cw) × group \(group)")
        }
        let kernel: [Dim] = try node.ints("kernel_shape").map { $0.map(Dim.value) } ?? Array(w.dims[2...])
        let strides = try node.ints("strides", default: Array(repeating: 1, count: n))!
        let dilations = try node.ints("dilations", default: Array(repeating: 1, count: n))!
        let pads = try node.ints("pads", default: Array(repeating: 0, count: 2 * n))!
        let autoPad = try node.string("auto_pad", default: "NOTSET")!
        guard kernel.count == n, strides.count == n, dilations.count == n, pads.count == 2 * n else {
            throw ctx.fail("kernel_shape, strides, dilations or pads do not match \(n) spatial dims")
        }
        guard strides.allSatisfy({ $0 > 0 }), dilations.allSatisfy({ $0 > 0 }) else {
            throw ctx.fail("strides \(strides) and dilations \(dilations) must be positive")
        }
        var dims: [Dim] = [x[0], w[0]]
        for i in 0..<n {
            let input = DimExpr(x[i + 2]), stride = DimExpr(strides[i])
            let span = DimExpr(dilations[i]) * (DimExpr(kernel[i]) - DimExpr(1)) + DimExpr(1)
            let out: DimExpr?
            switch autoPad {
            case "SAME_UPPER", "SAME_LOWER": out = DimExpr.ceilDiv(input, stride)
            case "VALID": out = DimExpr.floorDiv(input - span, stride).map { $0 + DimExpr(1) }
            case "NOTSET":
                let padded = input + DimExpr(pads[i]) + DimExpr(pads[i + n])
                out = DimExpr.floorDiv(padded - span, stride).map { $0 + DimExpr(1) }
            default: throw ctx.fail("auto_pad '\(autoPad)' is not NOTSET, SAME_UPPER, SAME_LOWER or VALID")
            }
            guard let o = out else { return ValueType(dataType, nil) }
            if let v = o.constant, v < 1 {
                throw ctx.fail("spatial dim \(i) of size \(x[i + 2]) is smaller than the kernel's span")
            }
            dims.append(o.dim)
        }
        return ValueType(dataType, Shape(dims))
    }
}
