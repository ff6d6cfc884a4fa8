import IR
import Kernels

/// The `dwconv.btc` tactic of ``DepthwiseConv1dPlugin``: time-major input, so
/// one output frame is a sum of K input frames, each a contiguous row of C
/// channels scaled by the K-th column of W (SIMD over channels).
extension DepthwiseConv1dPlugin {
    func enqueueTimeMajor(_ call: PluginCall, _ x: TensorBuffer, _ w: TensorBuffer, _ bias: TensorBuffer?,
                          _ y: TensorBuffer) throws {
        let (b, t, k, c) = (x.shape[0], x.shape[1], w.shape[2], w.shape[0])
        let to = t + padBegin + padEnd - k + 1
        guard x.shape[2] == (glu ? 2 * c : c), y.shape == [b, to, c] else {
            throw PluginError.invalidInputs(plugin: Self.qualifiedName,
                reason: "X \(x.shape) and W \(w.shape) do not make a time-major depthwise convolution\(glu ? " with GLU" : "")")
        }
        // W [C, 1, K] transposed to [K, C]: tap j of every channel is one contiguous row.
        let taps = UnsafeMutablePointer<Float>.allocate(capacity: k * c)
        defer { taps.deallocate() }
        for ch in 0..<c { for j in 0..<k { taps[j * c + ch] = w.floats[ch * k + j] } }
        var owned: UnsafeMutablePointer<Float>?
        defer { owned?.deallocate() }
        let source: UnsafeMutablePointer<Float>
        if glu {
            if let ws = call.workspace {
                source = ws.bindMemory(to: Float.self, capacity: b * t * c)
            } else {
                owned = .allocate(capacity: max(b * t * c, 1))
                source = owned!
            }
            let xs = x.floats
            call.threads.parallelChunks(b * t) { rows in
                for r in rows { VectorMath.gate(xs + r * 2 * c, xs + r * 2 * c + c, source + r * c, c) }
            }
        } else {
            source = x.floats
        }
        convolveFrames(call.threads, UnsafePointer(source), UnsafePointer(taps), bias, y, (b, t, k, c, to))
    }

    /// `Y[b, o, :] = act(bias + Σⱼ taps[j, :] · G[b, o + j − padBegin, :])` for every output frame.
    private func convolveFrames(_ threads: ThreadPool, _ g: UnsafePointer<Float>, _ taps: UnsafePointer<Float>,
                                _ bias: TensorBuffer?, _ y: TensorBuffer, _ dims: (Int, Int, Int, Int, Int)) {
        let (b, t, k, c, to) = dims
        let (pb, act) = (padBegin, activation)
        let yp = y.floats
        threads.parallelChunks(b * to) { frames in
            for f in frames {
                let batch = f / to, o = f % to
                let yr = yp + f * c
                let lo = max(0, pb - o), hi = max(min(k, t + pb - o), max(0, pb - o))
                let first = g + (batch * t + o - pb) * c  // frame o − pb; tap j reads first + j·c
                var ch = 0
                while ch + 8 <= c {
                    // Eight channels accumulate in registers over the taps.
                    var acc = bias.map { Vector.load8($0.floats + ch) } ?? SIMD8<Float>()
                    for j in lo..<hi { acc += Vector.load8(taps + j * c + ch) * Vector.load8(first + j * c + ch) }
                    Vector.store8(acc, yr + ch)
                    ch += 8
                }
                while ch < c {
                    var s = bias?.floats[ch] ?? 0
                    for j in lo..<hi { s += taps[j * c + ch] * first[j * c + ch] }
                    yr[ch] = s
                    ch += 1
                }
                act.apply(yr, c)
            }
        }
    }
}
