import IR
import Kernels

/// MatMul and Gemm. float32 goes through ``BLAS/sgemm(transA:transB:m:n:k:alpha:a:lda:b:ldb:beta:c:ldc:)``;
/// float64, int32 and int64 use plain loops (integers wrap on overflow).
enum LinearAlgebra {
    /// MatMul with NumPy semantics: `Y = A · B` over the last two dims.
    ///
    /// A 1-D `A` is promoted to `[1, K]` and a 1-D `B` to `[K, 1]`, and the
    /// added dim is removed from the result; the leading (batch) dims broadcast.
    static func matMul(_ ctx: NodeContext) throws -> Tensor {
        let a = try ctx.input(0), b = try ctx.input(1)
        guard a.dataType == b.dataType else {
            throw ctx.fail("inputs have different dtypes \(a.dataType) and \(b.dataType)")
        }
        guard a.rank >= 1, b.rank >= 1 else { throw ctx.fail("MatMul inputs must have rank ≥ 1 (got \(a.shape) and \(b.shape))") }
        let aShape = a.rank == 1 ? [1] + a.shape : a.shape
        let bShape = b.rank == 1 ? b.shape + [1] : b.shape
        let m = aShape[aShape.count - 2], k = aShape[aShape.count - 1]
        let n = bShape[bShape.count - 1]
        guard bShape[bShape.count - 2] == k else {
            throw ctx.fail("cannot multiply shapes \(a.shape) and \(b.shape): inner dims \(k) and \(bShape[bShape.count - 2]) differ")
        }
        let aBatch = Array(aShape.dropLast(2)), bBatch = Array(bShape.dropLast(2))
        guard let batch = Shapes.broadcast(aBatch, bBatch),
              let aIndex = MathShape.broadcastIndices(aBatch, to: batch),
              let bIndex = MathShape.broadcastIndices(bBatch, to: batch) else {
            throw ctx.fail("batch dims of \(a.shape) and \(b.shape) do not broadcast")
        }
        var outShape = batch
        if a.rank > 1 { outShape.append(m) }
        if b.rank > 1 { outShape.append(n) }
        let plan = MatMulPlan(m: m, n: n, k: k, aIndex: aIndex, bIndex: bIndex)
        let data: TensorData
        switch (a.data, b.data) {
        case (.float32(let x), .float32(let y)):
            try checkBLASSizes([m, n, k, batch.reduce(1, *) * m], ctx)
            data = .float32(plan.runFloat(x, y))
        case (.float64(let x), .float64(let y)): data = .float64(plan.runLoops(x, y))
        case (.int32(let x), .int32(let y)): data = .int32(plan.runLoops(x, y))
        case (.int64(let x), .int64(let y)): data = .int64(plan.runLoops(x, y))
        default: throw ctx.fail("MatMul does not support dtype \(a.dataType) in the reference")
        }
        return Tensor(shape: outShape, data: data)
    }

    /// Gemm: `Y = α · A' · B' + β · C`, where `A' = transA ? Aᵀ : A` is `M × K`,
    /// `B' = transB ? Bᵀ : B` is `K × N`, and the optional `C` broadcasts
    /// unidirectionally to `M × N`. With `β = 0`, `C` is not read.
    static func gemm(_ ctx: NodeContext) throws -> Tensor {
        let a = try ctx.input(0), b = try ctx.input(1)
        let c = ctx.optionalInput(2)
        let transA = try ctx.node.int("transA", default: 0)! != 0
        let transB = try ctx.node.int("transB", default: 0)! != 0
        let alpha = try ctx.node.float("alpha", default: 1)!
        let beta = try ctx.node.float("beta", default: 1)!
        guard a.rank == 2, b.rank == 2 else {
            throw ctx.fail("Gemm inputs A and B must be 2-D (got \(a.shape) and \(b.shape))")
        }
        guard a.dataType == b.dataType, c == nil || c!.dataType == a.dataType else {
            throw ctx.fail("inputs have different dtypes")
        }
        let m = transA ? a.shape[1] : a.shape[0], k = transA ? a.shape[0] : a.shape[1]
        let kb = transB ? b.shape[1] : b.shape[0], n = transB ? b.shape[0] : b.shape[1]
        guard k == kb else {
            throw ctx.fail("A' is \(m)x\(k) but B' is \(kb)x\(n) (transA=\(transA), transB=\(transB))")
        }
        var cIndex: [Int]? = nil
        if let c {
            guard let index = MathShape.broadcastIndices(c.shape, to: [m, n]) else {
                throw ctx.fail("C of shape \(c.shape) does not broadcast to [\(m), \(n)]")
            }
            cIndex = index
        }
        let shapes = GemmShapes(transA: transA, transB: transB, m: m, n: n, k: k,
                                lda: a.shape[1], ldb: b.shape[1], alpha: alpha, beta: beta)
        let data: TensorData
        switch (a.data, b.data) {
        case (.float32(let x), .float32(let y)):
            try checkBLASSizes([m, n, k, a.shape[1], b.shape[1]], ctx)
            data = .float32(shapes.runFloat(x, y, c: c.flatMap { Float.mathElements($0.data) }, cIndex: cIndex))
        case (.float64(let x), .float64(let y)):
            data = .float64(shapes.runLoops(x, y, c: c.flatMap { Double.mathElements($0.data) }, cIndex: cIndex))
        case (.int32(let x), .int32(let y)):
            data = .int32(shapes.runLoops(x, y, c: c.flatMap { Int32.mathElements($0.data) }, cIndex: cIndex))
        case (.int64(let x), .int64(let y)):
            data = .int64(shapes.runLoops(x, y, c: c.flatMap { Int64.mathElements($0.data) }, cIndex: cIndex))
        default: throw ctx.fail("Gemm does not support dtype \(a.dataType) in the reference")
        }
        return Tensor(shape: [m, n], data: data)
    }

    /// Throws when a GEMM size does not fit OpenBLAS's 32-bit integers.
    static func checkBLASSizes(_ sizes: [Int], _ ctx: NodeContext) throws {
        if let big = sizes.first(where: { $0 > BLAS.maxDimension }) {
            throw ctx.fail("matrix dimension \(big) exceeds the BLAS limit \(BLAS.maxDimension)")
        }
    }
}

/// A batched `[m, k] · [k, n]` product whose batch `i` reads A's matrix
/// `aIndex[i]` and B's matrix `bIndex[i]`.
struct MatMulPlan {
    let m: Int, n: Int, k: Int
    let aIndex: [Int], bIndex: [Int]

    func runFloat(_ a: [Float], _ b: [Float]) -> [Float] {
        let batches = aIndex.count
        var out = [Float](repeating: 0, count: batches * m * n)
        guard !out.isEmpty else { return out }
        // B shared by every batch and A's batches in order: one GEMM with M = batches · m.
        let foldable = bIndex.allSatisfy { $0 == 0 } && aIndex.enumerated().allSatisfy { $0.offset == $0.element }
        a.withUnsafeBufferPointer { pa in
            b.withUnsafeBufferPointer { pb in
                out.withUnsafeMutableBufferPointer { po in
                    guard let a0 = pa.baseAddress, let b0 = pb.baseAddress, let c0 = po.baseAddress else { return }
                    if foldable {
                        BLAS.sgemm(transA: false, transB: false, m: batches * m, n: n, k: k, alpha: 1,
                                   a: a0, lda: Swift.max(k, 1), b: b0, ldb: n, beta: 0, c: c0, ldc: n)
                        return
                    }
                    for i in 0..<batches {
                        BLAS.sgemm(transA: false, transB: false, m: m, n: n, k: k, alpha: 1,
                                   a: a0 + aIndex[i] * m * k, lda: Swift.max(k, 1),
                                   b: b0 + bIndex[i] * k * n, ldb: n, beta: 0, c: c0 + i * m * n, ldc: n)
                    }
                }
            }
        }
        return out
    }

    func runLoops<T: MathScalar>(_ a: [T], _ b: [T]) -> [T] {
        var out = [T](repeating: .mathZero, count: aIndex.count * m * n)
        for batch in 0..<aIndex.count {
            let aBase = aIndex[batch] * m * k, bBase = bIndex[batch] * k * n, cBase = batch * m * n
            for i in 0..<m {
                for p in 0..<k {
                    let x = a[aBase + i * k + p]
                    let bRow = bBase + p * n
                    for j in 0..<n { out[cBase + i * n + j] = T.mathAdd(out[cBase + i * n + j], T.mathMul(x, b[bRow + j])) }
                }
            }
        }
        return out
    }
}

/// The sizes and scales of one Gemm.
struct GemmShapes {
    let transA: Bool, transB: Bool
    let m: Int, n: Int, k: Int, lda: Int, ldb: Int
    let alpha: Float, beta: Float

    func runFloat(_ a: [Float], _ b: [Float], c: [Float]?, cIndex: [Int]?) -> [Float] {
        var out = [Float](repeating: 0, count: m * n)
        var betaUsed: Float = 0
        if let c, let cIndex, beta != 0 {
            for i in 0..<out.count { out[i] = c[cIndex[i]] }
            betaUsed = beta
        }
        a.withUnsafeBufferPointer { pa in
            b.withUnsafeBufferPointer { pb in
                out.withUnsafeMutableBufferPointer { po in
                    guard let a0 = pa.baseAddress, let b0 = pb.baseAddress, let c0 = po.baseAddress else { return }
                    BLAS.sgemm(transA: transA, transB: transB, m: m, n: n, k: k, alpha: alpha,
                               a: a0, lda: Swift.max(lda, 1), b: b0, ldb: Swift.max(ldb, 1),
                               beta: betaUsed, c: c0, ldc: n)
                }
            }
        }
        return out
    }

    func runLoops<T: MathScalar>(_ a: [T], _ b: [T], c: [T]?, cIndex: [Int]?) -> [T] {
        var out = [T](repeating: .mathZero, count: m * n)
        for i in 0..<m {
            for j in 0..<n {
                var acc = T.mathZero
                for p in 0..<k {
                    let x = transA ? a[p * lda + i] : a[i * lda + p]
                    let y = transB ? b[j * ldb + p] : b[p * ldb + j]
                    acc = T.mathAdd(acc, T.mathMul(x, y))
                }
                let bias = (c != nil && cIndex != nil) ? c![cIndex![i * n + j]] : T.mathZero
                out[i * n + j] = T.mathAffine(alpha, acc, c == nil ? 0 : beta, bias)
            }
        }
        return out
    }
}
