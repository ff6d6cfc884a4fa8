import IR
import Kernels
import Plugins

/// Conv on float32 (any spatial rank): per image and group, im2col into the
/// workspace then one GEMM with the weight, then the bias.
///
/// `Y[b, g·M/G + m, o] = B[m] + Σ_{c,t} W[g·M/G + m, c, t] · X[b, g·C/G + c, o·s − p + t·δ]`.
/// Tactics: `conv.im2col` (as above, images in order, BLAS's own threads),
/// `conv.im2col.images` (images spread over the context's threads, each with
/// its own im2col slot in the workspace and a single-threaded GEMM; up to
/// ``imageSlots`` at once) and, for depthwise convolutions with one spatial
/// dim (one input and one output channel per group), `conv.direct` (a loop
/// over taps, no workspace). The bias is added per image while it is in cache.
public final class ConvLayer: StandardLayer {
    public static let name = "Conv"
    public static let version = 1
    public static let domain = engineDomain

    public let standard: StandardOp

    public init(attributes: [String: Attribute]) throws {
        standard = try StandardOp(attributes: attributes, plugin: Self.name)
    }

    /// The sizes of one call.
    struct Layout {
        let batch: Int, channels: Int, outChannels: Int, groups: Int
        let geometry: ConvGeometry
    }

    func layout(_ x: [Int], _ w: [Int]) throws -> Layout {
        let node = standard.node
        func fail(_ reason: String) -> PluginError { .invalidInputs(plugin: Self.name, reason: reason) }
        guard x.count >= 3, w.count == x.count else { throw fail("X \(x) and W \(w) are not [N, C, ...] of one rank") }
        let spatial = x.count - 2
        let groups = try node.int("group", default: 1)!
        guard groups >= 1, x[1] % groups == 0, w[0] % groups == 0, w[1] == x[1] / groups else {
            throw fail("group \(groups) does not fit X \(x) and W \(w)")
        }
        let kernel = Array(w[2...]), input = Array(x[2...])
        let strides = try node.ints("strides", default: .init(repeating: 1, count: spatial))!
        let dilations = try node.ints("dilations", default: .init(repeating: 1, count: spatial))!
        var begin = [Int](repeating: 0, count: spatial), end = begin
        switch try node.string("auto_pad", default: "NOTSET")! {
        case "NOTSET", "":
            let pads = try node.ints("pads", default: .init(repeating: 0, count: 2 * spatial))!
            guard pads.count == 2 * spatial else { throw fail("pads \(pads) need \(2 * spatial) values") }
            begin = Array(pads[..<spatial]); end = Array(pads[spatial...])
        case "VALID": break
        case let mode:
            for d in 0..<spatial where strides.count == spatial && dilations.count == spatial && strides[d] > 0 {
                let out = (input[d] + strides[d] - 1) / strides[d]
                let total = max(0, (out - 1) * strides[d] + dilations[d] * (kernel[d] - 1) + 1 - input[d])
                begin[d] = mode == "SAME_UPPER" ? total / 2 : total - total / 2
                end[d] = total - begin[d]
            }
        }
        guard let g = ConvGeometry(channels: x[1] / groups, inputSize: input, kernelSize: kernel, strides: strides,
                                   dilations: dilations, padsBegin: begin, padsEnd: end) else {
            throw fail("invalid geometry for X \(x), W \(w)")
        }
        return Layout(batch: x[0], channels: x[1], outChannels: w[0], groups: groups, geometry: g)
    }

    public func tactics(inputShapes: [[Int]]) -> [String] {
        guard inputShapes.count >= 2, let l = try? layout(inputShapes[0], inputShapes[1]) else { return ["conv.im2col"] }
        let depthwise = l.groups == l.channels && l.outChannels == l.groups && l.geometry.inputSize.count == 1
        return depthwise ? ["conv.im2col", "conv.direct"] : ["conv.im2col", "conv.im2col.images"]
    }

    /// The most images `conv.im2col.images` converts at once (its workspace holds one im2col matrix each).
    public static let imageSlots = 4

    public func workspaceSize(inputShapes: [[Int]], tactic: String) -> Int {
        guard tactic.hasPrefix("conv.im2col"), inputShapes.count >= 2,
              let l = try? layout(inputShapes[0], inputShapes[1]), !l.geometry.isPointwise else { return 0 }
        let slots = tactic == "conv.im2col.images" ? max(1, min(l.batch, Self.imageSlots)) : 1
        return slots * l.geometry.columnRows * l.geometry.outputCount * 4
    }

    public func enqueue(_ call: PluginCall) throws {
        let x = try call.input(0, of: Self.name), w = try call.input(1, of: Self.name), y = call.outputs[0]
        let bias = call.inputs.count > 2 ? call.inputs[2] : nil
        let l = try layout(x.shape, w.shape)
        let g = l.geometry
        let groupOut = l.outChannels / l.groups
        if call.tactic == "conv.direct", l.groups == l.channels, groupOut == 1 {
            try direct(x, w, y, l)
            if let bias { addBias(bias, y, l, images: 0..<l.batch) }
        } else {
            guard g.isPointwise || call.workspace != nil else {
                throw PluginError.invalidInputs(plugin: Self.name, reason: "no workspace for im2col")
            }
            let columns = call.workspace?.assumingMemoryBound(to: Float.self)
            if call.tactic == "conv.im2col.images" {
                let slots = max(1, min(l.batch, Self.imageSlots, call.threads.threads))
                ThreadPool(threads: slots).parallelFor(slots) { s in
                    let slot = columns.map { $0 + s * g.columnRows * g.outputCount }
                    for b in (l.batch * s / slots)..<(l.batch * (s + 1) / slots) { image(b, x, w, y, bias, l, columns: slot) }
                }
            } else {
                for b in 0..<l.batch { image(b, x, w, y, bias, l, columns: columns) }
            }
        }
    }

    /// One image: im2col (unless pointwise) and one GEMM per group, then the bias.
    private func image(_ b: Int, _ x: TensorBuffer, _ w: TensorBuffer, _ y: TensorBuffer, _ bias: TensorBuffer?,
                       _ l: Layout, columns: UnsafeMutablePointer<Float>?) {
        let g = l.geometry
        let groupOut = l.outChannels / l.groups
        for group in 0..<l.groups {
            let input = UnsafePointer(x.floats + (b * l.channels + group * g.channels) * g.inputCount)
            var source = input
            if !g.isPointwise, let columns {
                g.im2col(input: input, columns: columns)
                source = UnsafePointer(columns)
            }
            BLAS.sgemm(transA: false, transB: false, m: groupOut, n: g.outputCount, k: g.columnRows,
                       alpha: 1, a: w.floats + group * groupOut * g.columnRows, lda: g.columnRows,
                       b: source, ldb: g.outputCount, beta: 0,
                       c: y.floats + (b * l.outChannels + group * groupOut) * g.outputCount, ldc: g.outputCount)
        }
        if let bias { addBias(bias, y, l, images: b..<(b + 1)) }
    }

    /// `Y[b, m, :] += bias[m]` for the given images.
    private func addBias(_ bias: TensorBuffer, _ y: TensorBuffer, _ l: Layout, images: Range<Int>) {
        let pb = bias.floats, py = y.floats, n = l.geometry.outputCount
        for b in images {
            for m in 0..<l.outChannels {
                let row = py + (b * l.outChannels + m) * n
                let v = pb[m]
                for o in 0..<n { row[o] += v }
            }
        }
    }

    /// Depthwise convolution with 1 spatial dim, tap by tap; other ranks use im2col.
    private func direct(_ x: TensorBuffer, _ w: TensorBuffer, _ y: TensorBuffer, _ l: Layout) throws {
        let g = l.geometry
        guard g.inputSize.count == 1 else {
            throw PluginError.unknownTactic(plugin: Self.name, tactic: "conv.direct (spatial rank \(g.inputSize.count))")
        }
        let input = g.inputSize[0], output = g.outputSize[0], k = g.kernelSize[0]
        let s = g.strides[0], dil = g.dilations[0], pad = g.padsBegin[0]
        let px = x.floats, pw = w.floats, py = y.floats
        for b in 0..<l.batch {
            for c in 0..<l.channels {
                let src = px + (b * l.channels + c) * input, dst = py + (b * l.channels + c) * output
                let taps = pw + c * k
                for o in 0..<output { dst[o] = 0 }
                for t in 0..<k {
                    let wt = taps[t]
                    // Output positions o with 0 <= o·s − pad + t·dil < input.
                    let shift = t * dil - pad
                    var lo = shift >= 0 ? 0 : (-shift + s - 1) / s
                    let hiSpan = input - 1 - shift
                    let hi = hiSpan < 0 ? -1 : min(output - 1, hiSpan / s)
                    if lo > hi { continue }
                    if s == 1 {
                        let base = src + shift
                        while lo <= hi { dst[lo] += wt * base[lo]; lo += 1 }
                    } else {
                        for o in lo...hi { dst[o] += wt * src[o * s + shift] }
                    }
                }
            }
        }
    }
}
