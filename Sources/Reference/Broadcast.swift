import IR

/// How the inputs of a broadcasting op map onto its output (NumPy
/// multidirectional broadcasting), with dims coalesced so that loops run over
/// long contiguous rows.
///
/// Each input gets an element stride per output dim, 0 along the dims it is
/// broadcast over. Dims of size 1 are dropped and neighbouring dims merged
/// when every input steps through them uniformly, so `[1, 256, 256] + [256]`
/// becomes a 256 x 256 loop whose inner run has strides (1, 1), and equal
/// shapes become a single run. After coalescing, every inner stride is 0 or 1.
struct BroadcastLayout {
    /// The broadcast output shape.
    let shape: [Int]
    /// Number of output elements.
    let count: Int
    /// Coalesced dims (at least one).
    private let dims: [Int]
    /// Per input, its element stride along each coalesced dim.
    private let strides: [[Int]]

    /// Length of one contiguous output run (the last coalesced dim).
    var runLength: Int { dims[dims.count - 1] }

    /// Input `k`'s stride inside a run: 1 (walks along) or 0 (repeats one element).
    func runStride(_ k: Int) -> Int { strides[k][dims.count - 1] }

    /// Broadcasts `shapes` together, or returns nil when they are incompatible.
    init?(_ shapes: [[Int]]) {
        var out: [Int] = []
        for s in shapes {
            guard let b = Shapes.broadcast(out, s) else { return nil }
            out = b
        }
        self.init(shapes, to: out)
    }

    /// Broadcasts each of `shapes` to exactly `output` (each input dim equals
    /// the output dim or is 1), or returns nil when one does not fit.
    init?(_ shapes: [[Int]], to output: [Int]) {
        let rank = output.count
        var padded: [[Int]] = []
        for s in shapes {
            guard s.count <= rank else { return nil }
            let rowStrides = Shapes.strides(s)
            var st = [Int](repeating: 0, count: rank)
            for i in 0..<rank {
                let j = i - (rank - s.count)
                guard j >= 0 else { continue }
                guard s[j] == output[i] || s[j] == 1 else { return nil }
                st[i] = s[j] == 1 ? 0 : rowStrides[j]
            }
            padded.append(st)
        }
        var dims: [Int] = []
        var strides = [[Int]](repeating: [], count: shapes.count)
        for i in 0..<rank where output[i] != 1 {
            let d = output[i]
            let mergeable = !dims.isEmpty && (0..<shapes.count).allSatisfy { k in
                strides[k][strides[k].count - 1] == padded[k][i] * d
            }
            if mergeable {
                dims[dims.count - 1] *= d
                for k in 0..<shapes.count { strides[k][strides[k].count - 1] = padded[k][i] }
            } else {
                dims.append(d)
                for k in 0..<shapes.count { strides[k].append(padded[k][i]) }
            }
        }
        if dims.isEmpty {
            dims = [1]
            strides = strides.map { _ in [0] }
        }
        self.shape = output
        self.count = Shapes.count(output)
        self.dims = dims
        self.strides = strides
    }

    /// Calls `body` once per contiguous output run with each input's element
    /// offset at the run's start and the run's output offset. The run length
    /// is ``runLength``.
    @inline(__always)
    func forEachRun(_ body: (_ offsets: [Int], _ start: Int) -> Void) {
        guard count > 0 else { return }
        let outerRank = dims.count - 1
        let n = runLength
        var index = [Int](repeating: 0, count: outerRank)
        var offsets = [Int](repeating: 0, count: strides.count)
        var start = 0
        while true {
            body(offsets, start)
            start += n
            var d = outerRank - 1
            while d >= 0 {
                index[d] += 1
                for k in offsets.indices { offsets[k] += strides[k][d] }
                if index[d] < dims[d] { break }
                for k in offsets.indices { offsets[k] -= strides[k][d] * dims[d] }
                index[d] = 0
                d -= 1
            }
            if d < 0 { return }
        }
    }

    /// For every output element, the index of the element of input `k` it reads.
    func sourceIndices(of k: Int) -> [Int] {
        var result = [Int](repeating: 0, count: count)
        let n = runLength, s = runStride(k)
        result.withUnsafeMutableBufferPointer { out in
            forEachRun { offsets, start in
                let base = offsets[k]
                for i in 0..<n { out[start + i] = base + i * s }
            }
        }
        return result
    }

    /// `f` applied elementwise to the broadcast inputs `a` and `b`:
    /// `out[i] = f(a[ia(i)], b[ib(i)])`. Runs where both inputs walk along,
    /// or where one repeats a single element (scalar or row broadcast), are
    /// plain loops over contiguous memory.
    @inline(__always)
    func map<A, B, R>(_ a: [A], _ b: [B], _ f: (A, B) -> R) -> [R] {
        let n = runLength, sa = runStride(0), sb = runStride(1)
        return [R](unsafeUninitializedCapacity: count) { out, done in
            done = 0
            guard let o = out.baseAddress else { return }
            a.withUnsafeBufferPointer { pa in
                b.withUnsafeBufferPointer { pb in
                    guard let x0 = pa.baseAddress, let y0 = pb.baseAddress else { return }
                    forEachRun { offsets, start in
                        let x = x0 + offsets[0], y = y0 + offsets[1], r = o + start
                        if sa != 0 && sb != 0 {
                            for i in 0..<n { (r + i).initialize(to: f(x[i], y[i])) }
                        } else if sa != 0 {
                            let v = y[0]
                            for i in 0..<n { (r + i).initialize(to: f(x[i], v)) }
                        } else if sb != 0 {
                            let u = x[0]
                            for i in 0..<n { (r + i).initialize(to: f(u, y[i])) }
                        } else {
                            let value = f(x[0], y[0])
                            for i in 0..<n { (r + i).initialize(to: value) }
                        }
                    }
                }
            }
            done = count
        }
    }
}
