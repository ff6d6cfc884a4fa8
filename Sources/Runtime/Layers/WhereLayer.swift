import IR
import Kernels
import Plugins

/// `Where(cond, x, y)` on float32 `x`, `y` and a bool condition, with NumPy
/// broadcasting of all three: `out = cond ? x : y`, row by row over the last axis.
public final class WhereLayer: StandardLayer {
    public static let name = "Where"
    public static let version = 1
    public static let domain = engineDomain

    public let standard: StandardOp

    public init(attributes: [String: Attribute]) throws {
        standard = try StandardOp(attributes: attributes, plugin: Self.name)
    }

    public func tactics(inputShapes: [[Int]]) -> [String] { ["where.broadcast"] }

    public func enqueue(_ call: PluginCall) throws {
        let c = try call.input(0, of: Self.name), x = try call.input(1, of: Self.name), yIn = try call.input(2, of: Self.name)
        let out = call.outputs[0]
        let rank = out.shape.count, n = out.count
        let pc = c.data.assumingMemoryBound(to: UInt8.self), px = x.floats, py = yIn.floats, po = out.floats
        guard n > 0 else { return }
        if rank == 0 { po[0] = pc[0] != 0 ? px[0] : py[0]; return }
        let sc = BinaryLayer.broadcastStrides(c.shape, rank: rank, out: out.shape)
        let sx = BinaryLayer.broadcastStrides(x.shape, rank: rank, out: out.shape)
        let sy = BinaryLayer.broadcastStrides(yIn.shape, rank: rank, out: out.shape)
        let inner = out.shape[rank - 1]
        let ic = sc[rank - 1], ix = sx[rank - 1], iy = sy[rank - 1]
        var index = [Int](repeating: 0, count: rank)
        var oc = 0, ox = 0, oy = 0
        for row in 0..<(n / inner) {
            let dst = po + row * inner
            for j in 0..<inner {
                dst[j] = pc[oc + j * ic] != 0 ? px[ox + j * ix] : py[oy + j * iy]
            }
            var d = rank - 2
            while d >= 0 {
                index[d] += 1
                oc += sc[d]; ox += sx[d]; oy += sy[d]
                if index[d] < out.shape[d] { break }
                oc -= sc[d] * index[d]; ox -= sx[d] * index[d]; oy -= sy[d] * index[d]
                index[d] = 0
                d -= 1
            }
        }
    }
}
