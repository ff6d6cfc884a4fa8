/// The geometry of an N-D convolution (N ≥ 1) over one image, and the
/// im2col transform that turns it into one GEMM.
///
/// For each spatial dim `d`, with input size `iₐ`, kernel size `kₐ`, stride
/// `sₐ`, dilation `δₐ` and pads `pₐ` (begin) and `qₐ` (end):
///
///     outputₐ = ⌊(iₐ + pₐ + qₐ − δₐ·(kₐ − 1) − 1) / sₐ⌋ + 1
///
/// and output position `o` with kernel tap `t` reads input position
/// `o·sₐ − pₐ + t·δₐ` (zero when outside the input).
public struct ConvGeometry: Sendable, Equatable {
    /// Input channels one im2col covers (the channels of one group).
    public let channels: Int
    /// Spatial input sizes `[D1, ..., Dn]`.
    public let inputSize: [Int]
    /// Kernel sizes `[k1, ..., kn]`.
    public let kernelSize: [Int]
    public let strides: [Int]
    public let dilations: [Int]
    /// Padding before each spatial dim (padding after only changes `outputSize`).
    public let padsBegin: [Int]
    /// Spatial output sizes, from the formula above.
    public let outputSize: [Int]

    /// Creates the geometry, or nil when it is inconsistent: ranks differ or
    /// are 0, a channel count, kernel size, stride or dilation is not positive,
    /// a pad is negative, or the dilated kernel is larger than the padded input.
    public init?(channels: Int, inputSize: [Int], kernelSize: [Int], strides: [Int],
                 dilations: [Int], padsBegin: [Int], padsEnd: [Int]) {
        let n = inputSize.count
        guard n > 0, channels > 0, [kernelSize.count, strides.count, dilations.count,
                                    padsBegin.count, padsEnd.count].allSatisfy({ $0 == n }) else { return nil }
        var output: [Int] = []
        for d in 0..<n {
            guard inputSize[d] >= 0, kernelSize[d] > 0, strides[d] > 0, dilations[d] > 0,
                  padsBegin[d] >= 0, padsEnd[d] >= 0 else { return nil }
            let span = inputSize[d] + padsBegin[d] + padsEnd[d] - dilations[d] * (kernelSize[d] - 1) - 1
            guard span >= 0 else { return nil }
            output.append(span / strides[d] + 1)
        }
        self.channels = channels
        self.inputSize = inputSize
        self.kernelSize = kernelSize
        self.strides = strides
        self.dilations = dilations
        self.padsBegin = padsBegin
        self.outputSize = output
    }

    /// Elements of one channel of the input (`∏ inputSize`).
    public var inputCount: Int { inputSize.reduce(1, *) }
    /// Kernel taps per channel (`∏ kernelSize`).
    public var kernelCount: Int { kernelSize.reduce(1, *) }
    /// Output positions (`∏ outputSize`): the column count of the im2col matrix.
    public var outputCount: Int { outputSize.reduce(1, *) }
    /// Rows of the im2col matrix: `channels · ∏ kernelSize`.
    public var columnRows: Int { channels * kernelCount }

    /// True when the im2col matrix equals the input (1×…×1 kernel, unit
    /// strides, no padding), so the copy can be skipped.
    public var isPointwise: Bool {
        kernelSize.allSatisfy { $0 == 1 } && strides.allSatisfy { $0 == 1 }
            && padsBegin.allSatisfy { $0 == 0 } && outputSize == inputSize
    }

    /// Writes the im2col matrix of one image.
    ///
    /// `columns` becomes a row-major `columnRows × outputCount` matrix whose
    /// row `c·∏k + t` (channel `c`, kernel tap `t` in row-major order over
    /// the kernel dims) holds, for every output position, the input value that
    /// tap reads, or 0 in the padding. Multiplying a weight matrix
    /// `[M, channels·∏k]` (ONNX's `[M, C/group, k1, ..., kn]` as stored) by it
    /// gives the convolution output `[M, ∏ outputSize]`.
    ///
    /// Memory: the caller owns both buffers. `input` holds `channels ·
    /// inputCount` floats (channel-major, row-major spatial dims) and is only
    /// read; `columns` holds `columnRows · outputCount` floats and is fully
    /// overwritten. Nothing is allocated or kept; the buffers must not overlap.
    public func im2col(input: UnsafePointer<Float>, columns: UnsafeMutablePointer<Float>) {
        let n = inputSize.count
        let outCount = outputCount
        let kCount = kernelCount
        let last = n - 1
        let lastOut = outputSize[last]
        guard outCount > 0 else { return }
        let outerCount = outCount / lastOut
        var inStrides = [Int](repeating: 1, count: n)
        for d in stride(from: n - 2, through: 0, by: -1) { inStrides[d] = inStrides[d + 1] * inputSize[d + 1] }
        var tap = [Int](repeating: 0, count: n)
        var outer = [Int](repeating: 0, count: n)
        for c in 0..<channels {
            let source = input + c * inputCount
            for t in 0..<kCount {
                var rest = t
                for d in stride(from: last, through: 0, by: -1) {
                    tap[d] = rest % kernelSize[d]
                    rest /= kernelSize[d]
                }
                let rowStart = columns + (c * kCount + t) * outCount
                for d in 0..<n { outer[d] = 0 }
                for o in 0..<outerCount {
                    fillRow(rowStart + o * lastOut, source: source, outer: outer, tap: tap, inStrides: inStrides)
                    var d = last - 1
                    while d >= 0 {
                        outer[d] += 1
                        if outer[d] < outputSize[d] { break }
                        outer[d] = 0
                        d -= 1
                    }
                }
            }
        }
    }

    /// One row segment: the output positions along the last spatial dim, for
    /// fixed outer output indices and kernel tap.
    @inline(__always)
    private func fillRow(_ row: UnsafeMutablePointer<Float>, source: UnsafePointer<Float>,
                         outer: [Int], tap: [Int], inStrides: [Int]) {
        let last = inputSize.count - 1
        let count = outputSize[last]
        var base = 0
        for d in 0..<last {
            let i = outer[d] * strides[d] - padsBegin[d] + tap[d] * dilations[d]
            if i < 0 || i >= inputSize[d] {
                row.update(repeating: 0, count: count)
                return
            }
            base += i * inStrides[d]
        }
        let s = strides[last]
        let offset = tap[last] * dilations[last] - padsBegin[last]
        let size = inputSize[last]
        // Valid x satisfy 0 ≤ x·s + offset < size.
        let lo = offset >= 0 ? 0 : Swift.min(count, (-offset + s - 1) / s)
        let hi = size - offset <= 0 ? lo : Swift.min(count, Swift.max(lo, (size - offset + s - 1) / s))
        for x in 0..<lo { row[x] = 0 }
        let src = source + base
        if s == 1 {
            for x in lo..<hi { row[x] = src[x + offset] }
        } else {
            for x in lo..<hi { row[x] = src[x * s + offset] }
        }
        for x in hi..<count { row[x] = 0 }
    }
}
