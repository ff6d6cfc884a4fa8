/// One dimension of a shape: a known size, or a symbol such as `B` or `T`.
///
/// Symbols produced by shape inference may be expressions over other symbols
/// (`T/4`, `B*T`); two symbolic dims are equal when their text is equal.
public enum Dim: Sendable, Hashable, CustomStringConvertible {
    case value(Int)
    case symbol(String)

    public var value: Int? {
        if case .value(let v) = self { return v }
        return nil
    }

    public var isStatic: Bool { value != nil }

    public var description: String {
        switch self {
        case .value(let v): return String(v)
        case .symbol(let s): return s
        }
    }
}

extension Dim: ExpressibleByIntegerLiteral, ExpressibleByStringLiteral {
    public init(integerLiteral value: Int) { self = .value(value) }
    public init(stringLiteral value: String) { self = .symbol(value) }
}

/// A tensor shape whose dims may be static or symbolic.
public struct Shape: Sendable, Hashable, CustomStringConvertible, ExpressibleByArrayLiteral {
    public var dims: [Dim]

    public init(_ dims: [Dim]) { self.dims = dims }
    public init(_ sizes: [Int]) { self.dims = sizes.map(Dim.value) }
    public init(arrayLiteral elements: Dim...) { self.dims = elements }

    public var rank: Int { dims.count }

    /// The sizes when every dim is static, else nil.
    public var staticSizes: [Int]? {
        var sizes: [Int] = []
        sizes.reserveCapacity(dims.count)
        for d in dims {
            guard let v = d.value else { return nil }
            sizes.append(v)
        }
        return sizes
    }

    public var isStatic: Bool { dims.allSatisfy(\.isStatic) }

    /// The names of the symbols that appear as whole dims.
    public var symbols: [String] {
        dims.compactMap { if case .symbol(let s) = $0 { return s } else { return nil } }
    }

    public subscript(i: Int) -> Dim {
        get { dims[i] }
        set { dims[i] = newValue }
    }

    /// `1x16x80`, the form trtexec prints; symbols print by name.
    public var description: String {
        dims.isEmpty ? "scalar" : dims.map(\.description).joined(separator: "x")
    }

    /// `[B, T, 80]`, the form Polygraphy prints.
    public var bracketed: String { "[" + dims.map(\.description).joined(separator: ", ") + "]" }
}

/// Helpers on concrete shapes (`[Int]`).
public enum Shapes {
    /// Number of elements of a concrete shape (1 for a scalar).
    @inlinable
    public static func count(_ shape: [Int]) -> Int { shape.reduce(1, *) }

    /// Row-major (C order) strides in elements.
    public static func strides(_ shape: [Int]) -> [Int] {
        var strides = [Int](repeating: 1, count: shape.count)
        var acc = 1
        for i in stride(from: shape.count - 1, through: 0, by: -1) {
            strides[i] = acc
            acc *= shape[i]
        }
        return strides
    }

    /// NumPy multidirectional broadcasting of two concrete shapes, or nil when
    /// they do not broadcast.
    public static func broadcast(_ a: [Int], _ b: [Int]) -> [Int]? {
        let rank = max(a.count, b.count)
        var out = [Int](repeating: 1, count: rank)
        for i in 0..<rank {
            let da = i < rank - a.count ? 1 : a[i - (rank - a.count)]
            let db = i < rank - b.count ? 1 : b[i - (rank - b.count)]
            if da == db || db == 1 { out[i] = da }
            else if da == 1 { out[i] = db }
            else { return nil }
        }
        return out
    }

    /// Normalizes a possibly negative axis against a rank, or nil when out of range.
    public static func normalizeAxis(_ axis: Int, rank: Int) -> Int? {
        let a = axis < 0 ? axis + rank : axis
        return (0..<max(rank, 1)).contains(a) || (rank == 0 && a == 0) ? a : nil
    }
}
