import IR
import Kernels

/// Conv over 1, 2 or 3 (any N ≥ 1) spatial dims: im2col plus one
/// ``BLAS/sgemm(transA:transB:m:n:k:alpha:a:lda:b:ldb:beta:c:ldc:)`` per image
/// and group.
///
/// With `X: [N, C, D1…Dn]`, `W: [M, C/group, k1…kn]` and optional `B: [M]`,
/// group `g` of image `b` computes
///
///     Y[b, g·M/G + m, o] = B[m'] + Σ_{c, t} W[g·M/G + m, c, t] · X[b, g·C/G + c, o·s − p + t·δ]
enum Convolution {
    static func conv(_ ctx: NodeContext) throws -> Tensor {
        let x = try ctx.input(0), w = try ctx.input(1)
        let bias = ctx.optionalInput(2)
        guard case .float32(let xs) = x.data, case .float32(let ws) = w.data else {
            throw ctx.fail("Conv supports float32 only in the reference (got \(x.dataType), \(w.dataType))")
        }
        guard x.rank >= 3 else { throw ctx.fail("X must be [N, C, D1, ...] (got shape \(x.shape))") }
        guard w.rank == x.rank else { throw ctx.fail("W has shape \(w.shape), X has shape \(x.shape): ranks differ") }
        let layout = try ConvLayout(ctx, x: x.shape, w: w.shape)
        var biasValues: [Float]? = nil
        if let bias {
            guard let values = bias.floats, bias.shape == [layout.outChannels] else {
                throw ctx.fail("B must be float32 of shape [\(layout.outChannels)] (got \(bias.dataType)\(bias.shape))")
            }
            biasValues = values
        }
        let g = layout.geometry
        try LinearAlgebra.checkBLASSizes([g.columnRows, g.outputCount], ctx)
        let y = layout.run(xs, ws, bias: biasValues)
        return Tensor(shape: [layout.batch, layout.outChannels] + g.outputSize, data: .float32(y))
    }
}

/// The sizes of one Conv node, resolved from its attributes and input shapes.
struct ConvLayout {
    let batch: Int, channels: Int, outChannels: Int, groups: Int
    /// The geometry of one group of one image.
    let geometry: ConvGeometry

    init(_ ctx: NodeContext, x: [Int], w: [Int]) throws {
        let node = ctx.node
        let spatial = x.count - 2
        batch = x[0]
        channels = x[1]
        outChannels = w[0]
        groups = try node.int("group", default: 1)!
        guard groups >= 1, groups <= channels, channels % groups == 0, outChannels % groups == 0,
              w[1] == channels / groups else {
            throw ctx.fail("group \(groups) does not fit X channels \(channels) and W shape \(w)")
        }
        let kernel = Array(w[2...])
        if let declared = try node.ints("kernel_shape"), declared != kernel {
            throw ctx.fail("kernel_shape \(declared) does not match W's spatial dims \(kernel)")
        }
        let strides = try node.ints("strides", default: .init(repeating: 1, count: spatial))!
        let dilations = try node.ints("dilations", default: .init(repeating: 1, count: spatial))!
        guard strides.count == spatial, dilations.count == spatial else {
            throw ctx.fail("strides \(strides) and dilations \(dilations) need \(spatial) values")
        }
        // Bounded attributes keep the size arithmetic below free of overflow.
        let limit = Int(Int32.max)
        guard (strides + dilations).allSatisfy({ (1...limit).contains($0) }) else {
            throw ctx.fail("strides \(strides) and dilations \(dilations) must be in 1...\(limit)")
        }
        let input = Array(x[2...])
        let (begin, end) = try ConvLayout.pads(ctx, input: input, kernel: kernel, strides: strides,
                                               dilations: dilations)
        guard let geometry = ConvGeometry(channels: channels / groups, inputSize: input, kernelSize: kernel,
                                          strides: strides, dilations: dilations,
                                          padsBegin: begin, padsEnd: end) else {
            throw ctx.fail("invalid geometry: input \(input), kernel \(kernel), strides \(strides), "
                           + "dilations \(dilations), pads \(begin + end) (kernel larger than padded input, "
                           + "or a non-positive size)")
        }
        self.geometry = geometry
    }

    /// Begin and end pads from `pads` or `auto_pad`.
    ///
    /// SAME_UPPER / SAME_LOWER give `out = ⌈in / s⌉` and a total pad of
    /// `max(0, (out − 1)·s + δ·(k − 1) + 1 − in)`, split with the odd element at
    /// the end (UPPER) or the beginning (LOWER); VALID pads nothing.
    static func pads(_ ctx: NodeContext, input: [Int], kernel: [Int], strides: [Int],
                     dilations: [Int]) throws -> ([Int], [Int]) {
        let n = input.count
        let autoPad = try ctx.node.string("auto_pad", default: "NOTSET")!
        let explicit = try ctx.node.ints("pads")
        switch autoPad {
        case "NOTSET", "":
            let pads = explicit ?? .init(repeating: 0, count: 2 * n)
            guard pads.count == 2 * n else { throw ctx.fail("pads \(pads) need \(2 * n) values") }
            guard pads.allSatisfy({ (0...Int(Int32.max)).contains($0) }) else {
                throw ctx.fail("pads \(pads) must be in 0...\(Int32.max)")
            }
            return (Array(pads[..<n]), Array(pads[n...]))
        case "VALID":
            return (.init(repeating: 0, count: n), .init(repeating: 0, count: n))
        case "SAME_UPPER", "SAME_LOWER":
            var begin = [Int](repeating: 0, count: n), end = begin
            for d in 0..<n where strides[d] > 0 {
                let out = (input[d] + strides[d] - 1) / strides[d]
                let total = Swift.max(0, (out - 1) * strides[d] + dilations[d] * (kernel[d] - 1) + 1 - input[d])
                begin[d] = autoPad == "SAME_UPPER" ? total / 2 : total - total / 2
                end[d] = total - begin[d]
            }
            return (begin, end)
        default:
            throw ctx.fail("auto_pad '\(autoPad)' is not NOTSET, SAME_UPPER, SAME_LOWER or VALID")
        }
    }

    /// Runs the convolution: per image and group, im2col then one GEMM, then the bias.
    func run(_ x: [Float], _ w: [Float], bias: [Float]?) -> [Float] {
        let g = geometry
        let inCount = g.inputCount, outCount = g.outputCount
        let rows = g.columnRows
        let groupOut = outChannels / groups
        var y = [Float](repeating: 0, count: batch * outChannels * outCount)
        let pointwise = g.isPointwise
        var columns = [Float](repeating: 0, count: pointwise ? 0 : rows * outCount)
        guard !y.isEmpty else { return y }
        x.withUnsafeBufferPointer { px in
            w.withUnsafeBufferPointer { pw in
                y.withUnsafeMutableBufferPointer { py in
                    columns.withUnsafeMutableBufferPointer { pc in
                        guard let x0 = px.baseAddress, let w0 = pw.baseAddress, let y0 = py.baseAddress else { return }
                        for b in 0..<batch {
                            for group in 0..<groups {
                                let input = x0 + (b * channels + group * g.channels) * inCount
                                var source = input
                                if !pointwise, let c0 = pc.baseAddress {
                                    g.im2col(input: input, columns: c0)
                                    source = UnsafePointer(c0)
                                }
                                BLAS.sgemm(transA: false, transB: false, m: groupOut, n: outCount, k: rows,
                                           alpha: 1, a: w0 + group * groupOut * rows, lda: rows,
                                           b: source, ldb: outCount, beta: 0,
                                           c: y0 + (b * outChannels + group * groupOut) * outCount, ldc: outCount)
                            }
                        }
                    }
                }
            }
        }
        if let bias {
            for b in 0..<batch {
                for m in 0..<outChannels {
                    let base = (b * outChannels + m) * outCount
                    for o in 0..<outCount { y[base + o] += bias[m] }
                }
            }
        }
        return y
    }
}
