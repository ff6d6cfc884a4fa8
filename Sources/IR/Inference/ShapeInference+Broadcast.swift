/// Broadcasting of symbolic shapes.
extension ShapeInference {
    /// Multidirectional (NumPy) broadcasting of two dims.
    ///
    /// Rule for symbolic dims: equal dims stay; a static 1 yields the other
    /// dim; a static `n ≠ 1` against a symbol yields `n` (the symbol must be
    /// `n` or 1 at run time). Two different symbols are taken to be the same
    /// size (exporters name one length differently on two paths); the result
    /// keeps the shorter text, then the lexicographically first, so the rule is
    /// commutative. Returns nil when the dims are static and incompatible.
    public static func broadcast(_ a: Dim, _ b: Dim) -> Dim? {
        if a == b { return a }
        switch (a.value, b.value) {
        case (1?, _): return b
        case (_, 1?): return a
        case (let x?, let y?): return x == y ? a : nil
        case (_?, nil): return a
        case (nil, _?): return b
        case (nil, nil):
            if a.isProvablyEqual(to: b) { return a }
            let (sa, sb) = (a.description, b.description)
            return sa.count != sb.count ? (sa.count < sb.count ? a : b) : (sa < sb ? a : b)
        }
    }

    /// Multidirectional broadcasting of two shapes, or nil when some static dims differ.
    public static func broadcast(_ a: Shape, _ b: Shape) -> Shape? {
        let rank = Swift.max(a.rank, b.rank)
        var out: [Dim] = []
        out.reserveCapacity(rank)
        for i in 0..<rank {
            let da = i < rank - a.rank ? Dim.value(1) : a.dims[i - (rank - a.rank)]
            let db = i < rank - b.rank ? Dim.value(1) : b.dims[i - (rank - b.rank)]
            guard let d = broadcast(da, db) else { return nil }
            out.append(d)
        }
        return Shape(out)
    }
}
