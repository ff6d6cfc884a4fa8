import IR
import Kernels
import Plugins

/// Transpose of any fixed-size element type: `Y[i_{p(0)}, …] = X[i_0, …]`,
/// walking the output in order with the input's permuted strides.
///
/// A swap of the last two axes (`[B…, R, C] → [B…, C, R]`, the Conformer's
/// `[B, T, C] → [B, C, T]`) is copied in 16×16 tiles instead, so both sides
/// stay in cache, with the tile rows spread over the threads when large.
public final class TransposeLayer: StandardLayer {
    public static let name = "Transpose"
    public static let version = 1
    public static let domain = engineDomain

    public let standard: StandardOp

    public init(attributes: [String: Attribute]) throws {
        standard = try StandardOp(attributes: attributes, plugin: Self.name)
    }

    public func tactics(inputShapes: [[Int]]) -> [String] { ["transpose.strided"] }

    public func enqueue(_ call: PluginCall) throws {
        let x = try call.input(0, of: Self.name), y = call.outputs[0]
        let rank = x.shape.count
        let perm = try standard.node.ints("perm") ?? Array((0..<rank).reversed())
        guard perm.count == rank, Set(perm) == Set(0..<rank) else {
            throw PluginError.invalidAttribute(plugin: Self.name, attribute: "perm", reason: "\(perm) is not a permutation of rank \(rank)")
        }
        let inStrides = Shapes.strides(x.shape)
        let strides = perm.map { inStrides[$0] }
        if rank >= 2, perm == Array(0..<(rank - 2)) + [rank - 1, rank - 2], x.dataType.byteSize == 4 {
            Self.swapLastTwo(x, y, threads: call.threads)
            return
        }
        switch x.dataType.byteSize {
        case 1: Self.copy(UInt8.self, x, y, strides)
        case 2: Self.copy(UInt16.self, x, y, strides)
        case 4: Self.copy(UInt32.self, x, y, strides)
        case 8: Self.copy(UInt64.self, x, y, strides)
        default: throw PluginError.invalidInputs(plugin: Self.name, reason: "\(x.dataType) has no fixed size")
        }
    }

    static func copy<T>(_: T.Type, _ x: TensorBuffer, _ y: TensorBuffer, _ strides: [Int]) {
        let src = x.data.assumingMemoryBound(to: T.self), dst = y.data.assumingMemoryBound(to: T.self)
        let shape = y.shape, rank = shape.count, n = y.count
        guard n > 0 else { return }
        if rank == 0 { dst[0] = src[0]; return }
        let inner = shape[rank - 1], innerStride = strides[rank - 1]
        var index = [Int](repeating: 0, count: rank)
        var offset = 0
        for row in 0..<(n / inner) {
            let out = dst + row * inner
            for j in 0..<inner { out[j] = src[offset + j * innerStride] }
            var d = rank - 2
            while d >= 0 {
                index[d] += 1
                offset += strides[d]
                if index[d] < shape[d] { break }
                offset -= strides[d] * index[d]
                index[d] = 0
                d -= 1
            }
        }
    }

    /// `[B…, R, C] → [B…, C, R]` for 4-byte elements, in 16×16 tiles.
    static func swapLastTwo(_ x: TensorBuffer, _ y: TensorBuffer, threads: ThreadPool) {
        let rank = x.shape.count
        let r = x.shape[rank - 2], c = x.shape[rank - 1]
        guard r > 0, c > 0 else { return }
        let batches = x.count / (r * c)
        let tile = 16
        let tileRows = (c + tile - 1) / tile
        let src = x.data.assumingMemoryBound(to: UInt32.self), dst = y.data.assumingMemoryBound(to: UInt32.self)
        let body = { (range: Range<Int>) in
            for t in range {
                let b = t / tileRows, j0 = (t % tileRows) * tile
                let j1 = min(c, j0 + tile)
                let s = src + b * r * c, d = dst + b * r * c
                var i0 = 0
                while i0 < r {
                    let i1 = min(r, i0 + tile)
                    for j in j0..<j1 {
                        let out = d + j * r
                        for i in i0..<i1 { out[i] = s[i * c + j] }
                    }
                    i0 = i1
                }
            }
        }
        let tasks = batches * tileRows
        if threads.threads > 1 && x.count >= 65_536 {
            threads.parallelChunks(tasks, body)
        } else {
            body(0..<tasks)
        }
    }
}
