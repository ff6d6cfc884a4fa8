import IR
import Kernels
import Plugins

/// MatMul on float32 operands of rank ≥ 2 (NumPy semantics, batch dims broadcast).
///
/// `Y[..., m, n] = Σₖ A[..., m, k] · B[..., k, n]`. Tactics:
/// - `gemm.rows`: when `B` is 2-D (a weight), one GEMM over all `∏ leading · M`
///   rows of `A`, which BLAS threads internally;
/// - `gemm.loop`: one GEMM per batch matrix, in order (BLAS threads each);
/// - `gemm.batched.parallel`: batch matrices spread over the context's threads.
public final class MatMulLayer: StandardLayer {
    public static let name = "MatMul"
    public static let version = 1
    public static let domain = engineDomain

    public let standard: StandardOp

    public init(attributes: [String: Attribute]) throws {
        standard = try StandardOp(attributes: attributes, plugin: Self.name)
    }

    public func tactics(inputShapes: [[Int]]) -> [String] {
        guard inputShapes.count == 2 else { return ["gemm.loop"] }
        let a = inputShapes[0], b = inputShapes[1]
        var list: [String] = []
        if b.count == 2 { list.append("gemm.rows") }
        if a.count > 2 || b.count > 2 { list += ["gemm.loop", "gemm.batched.parallel"] }
        return list.isEmpty ? ["gemm.loop"] : list
    }

    public func enqueue(_ call: PluginCall) throws {
        let a = try call.input(0, of: Self.name), b = try call.input(1, of: Self.name)
        let y = call.outputs[0]
        guard a.shape.count >= 2, b.shape.count >= 2, a.shape[a.shape.count - 1] == b.shape[b.shape.count - 2] else {
            throw PluginError.invalidInputs(plugin: Self.name, reason: "shapes \(a.shape) and \(b.shape) do not multiply")
        }
        let m = a.shape[a.shape.count - 2], k = a.shape[a.shape.count - 1], n = b.shape[b.shape.count - 1]
        if call.tactic == "gemm.rows", b.shape.count == 2 {
            let rows = a.count / max(k, 1)
            guard max(rows, k, n) <= BLAS.maxDimension else {
                throw PluginError.invalidInputs(plugin: Self.name, reason: "sizes exceed BLAS limits")
            }
            BLAS.sgemm(transA: false, transB: false, m: rows, n: n, k: k, alpha: 1, a: a.floats, lda: k,
                       b: b.floats, ldb: n, beta: 0, c: y.floats, ldc: n)
            return
        }
        let batchShape = Array(y.shape.dropLast(2))
        let batches = Shapes.count(batchShape)
        let aOffsets = Self.batchOffsets(Array(a.shape.dropLast(2)), into: batchShape, matrix: m * k)
        let bOffsets = Self.batchOffsets(Array(b.shape.dropLast(2)), into: batchShape, matrix: k * n)
        let pa = a.floats, pb = b.floats, py = y.floats
        let body = { (i: Int) in
            BLAS.sgemm(transA: false, transB: false, m: m, n: n, k: k, alpha: 1, a: pa + aOffsets[i], lda: k,
                       b: pb + bOffsets[i], ldb: n, beta: 0, c: py + i * m * n, ldc: n)
        }
        if call.tactic == "gemm.batched.parallel" {
            call.threads.parallelFor(batches, body)
        } else {
            for i in 0..<batches { body(i) }
        }
    }

    /// Element offset of each output batch matrix's operand, with broadcasting
    /// (an operand batch dim of 1, or a missing leading dim, repeats).
    static func batchOffsets(_ operand: [Int], into batch: [Int], matrix: Int) -> [Int] {
        let count = Shapes.count(batch)
        let padded = [Int](repeating: 1, count: batch.count - operand.count) + operand
        let strides = Shapes.strides(padded)
        var offsets = [Int](repeating: 0, count: count)
        var index = [Int](repeating: 0, count: batch.count)
        for i in 0..<count {
            var off = 0
            for d in 0..<batch.count where padded[d] != 1 { off += index[d] * strides[d] }
            offsets[i] = off * matrix
            var d = batch.count - 1
            while d >= 0 {
                index[d] += 1
                if index[d] < batch[d] { break }
                index[d] = 0
                d -= 1
            }
        }
        return offsets
    }
}
