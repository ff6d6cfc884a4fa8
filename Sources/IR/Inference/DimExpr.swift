/// A symbolic integer expression for one dimension: a polynomial with integer
/// coefficients over *atoms* (symbols, floor divisions, minima).
///
/// Shape inference keeps dims such as `B`, `T` by name and writes the dims it
/// derives as expressions over them (`T-3`, `B*T`, `(T-1)/2`). Expressions are
/// kept in a canonical form, so equal expressions print equally and a fully
/// static expression folds to a number:
///
/// - sums and products are expanded and like terms collected
///   (`T+T` → `2*T`, `(T+1)*2` → `2*T+2`);
/// - `/` in the printed text is **floor division** (Python's `//`). A floor
///   division by a constant `d > 0` is normalized so that every coefficient
///   of the numerator lies in `[0, d)` and its constant term in `(-d, 0]`:
///   `⌊(d·Q + R)/d⌋ = Q + ⌊R/d⌋` for integer-valued `Q`. Common factors are
///   divided out (`⌊(g·P + c)/(g·e)⌋ = ⌊(P + ⌊c/g⌋)/e⌋`) and nested
///   divisions merge (`⌊(⌊x/a⌋ + c)/b⌋ = ⌊(x + c·a)/(a·b)⌋`). So a Conv with
///   kernel 3 and stride 2 gives `⌊(T-3)/2⌋+1`, which prints `(T-1)/2`;
/// - `min(a,b)` folds when `a - b` is a constant.
///
/// The canonical form is not a decision procedure: equal expressions built
/// the same way print equally, but `T-T/2` and `(T-1)/2+1` (both `⌈T/2⌉`) do not.
///
/// Text that does not parse as an expression (a dim named `seq len`) is one
/// opaque atom; inside a larger expression it prints in brackets, `[seq len]`.
public struct DimExpr: Sendable, Hashable, CustomStringConvertible {
    /// One factor of a monomial.
    public indirect enum Atom: Sendable, Hashable, CustomStringConvertible {
        /// A named dim (`B`, `T`) or an opaque name.
        case symbol(String)
        /// `⌊numerator / denominator⌋`.
        case floorDiv(DimExpr, DimExpr)
        /// The smaller of two expressions (its operands sorted by text).
        case min(DimExpr, DimExpr)

        public var description: String {
            switch self {
            case .symbol(let s): return DimExpr.isIdentifier(s) ? s : "[\(s)]"
            case .floorDiv(let n, let d): return "\(n.operandText)/\(d.operandText)"
            case .min(let a, let b): return "min(\(a),\(b))"
            }
        }
    }

    /// Monomial (atoms sorted by text, repeated for powers) → nonzero coefficient.
    /// The empty monomial holds the constant term.
    public private(set) var terms: [[Atom]: Int]

    private init(terms: [[Atom]: Int]) { self.terms = terms.filter { $0.value != 0 } }

    /// The constant `value`.
    public init(_ value: Int) { self.init(terms: [[]: value]) }

    /// One atom with coefficient 1.
    public init(atom: Atom) { self.init(terms: [[atom]: 1]) }

    /// The expression a dim stands for: a number, or its symbol parsed as an expression.
    public init(_ dim: Dim) {
        switch dim {
        case .value(let v): self.init(v)
        case .symbol(let s): self = DimExprParser.parse(s) ?? DimExpr(atom: .symbol(s))
        }
    }

    /// The value when the expression is a constant.
    public var constant: Int? {
        if terms.isEmpty { return 0 }
        if terms.count == 1, let c = terms[[]] { return c }
        return nil
    }

    /// The expression as a dim: `.value` when static, else `.symbol` with the canonical text.
    public var dim: Dim {
        if let c = constant { return .value(c) }
        if terms.count == 1, let (m, c) = terms.first, c == 1, m.count == 1, case .symbol(let s) = m[0] {
            return .symbol(s)
        }
        return .symbol(description)
    }

    // MARK: Arithmetic

    /// The sum, like terms collected.
    public static func + (a: DimExpr, b: DimExpr) -> DimExpr {
        var t = a.terms
        for (m, c) in b.terms { t[m, default: 0] &+= c }
        return DimExpr(terms: t)
    }

    /// The negation.
    public static prefix func - (a: DimExpr) -> DimExpr { DimExpr(terms: a.terms.mapValues { 0 &- $0 }) }

    /// The difference `a + (-b)`.
    public static func - (a: DimExpr, b: DimExpr) -> DimExpr { a + (-b) }

    /// The product, expanded: `(a + b)·c = a·c + b·c`.
    public static func * (a: DimExpr, b: DimExpr) -> DimExpr {
        var t: [[Atom]: Int] = [:]
        for (ma, ca) in a.terms {
            for (mb, cb) in b.terms {
                let m = (ma + mb).sorted { $0.description < $1.description }
                t[m, default: 0] &+= ca &* cb
            }
        }
        return DimExpr(terms: t)
    }

    /// `⌊a / b⌋`, or nil when `b` is the constant 0.
    public static func floorDiv(_ a: DimExpr, _ b: DimExpr) -> DimExpr? {
        if let d = b.constant {
            if d == 0 || d == Int.min { return nil }
            return d > 0 ? a.floorDivided(by: d) : (-a).floorDivided(by: -d)
        }
        if a.terms.isEmpty { return DimExpr(0) }
        if a == b { return DimExpr(1) }
        if let q = a.exactQuotient(by: b) { return q }
        return DimExpr(atom: .floorDiv(a, b))
    }

    /// `⌈a / b⌉`: `⌊(a + b - 1) / b⌋` for a constant `b > 0` (so `⌈T/2⌉` prints
    /// `(T-1)/2+1`), `⌈-a / -b⌉` for a negative one, `-⌊-a / b⌋` for a symbolic one.
    public static func ceilDiv(_ a: DimExpr, _ b: DimExpr) -> DimExpr? {
        if let d = b.constant {
            if d == 0 || d == Int.min { return nil }
            return d > 0 ? floorDiv(a + DimExpr(d - 1), b) : ceilDiv(-a, -b)
        }
        return floorDiv(-a, b).map { -$0 }
    }

    /// `min(a, b)`: folded when `a - b` is a constant, else an atom.
    public static func min(_ a: DimExpr, _ b: DimExpr) -> DimExpr {
        if let c = (a - b).constant { return c <= 0 ? a : b }
        let (x, y) = a.description <= b.description ? (a, b) : (b, a)
        return DimExpr(atom: .min(x, y))
    }

    /// `max(a, b) = -min(-a, -b)`.
    public static func max(_ a: DimExpr, _ b: DimExpr) -> DimExpr { -min(-a, -b) }

    private var nonConstantTerms: [([Atom], Int)] {
        terms.filter { !$0.key.isEmpty }.map { ($0.key, $0.value) }
    }

    /// Floor division by a positive constant, in the canonical form described on the type.
    private func floorDivided(by d: Int) -> DimExpr {
        if d == 1 { return self }
        if let c = constant { return DimExpr(Self.floorDiv(c, d)) }
        let c = terms[[]] ?? 0
        let rest = nonConstantTerms
        // ⌊(⌊x/e⌋ + c)/d⌋ = ⌊(x + c·e)/(e·d)⌋
        if rest.count == 1, rest[0].1 == 1, rest[0].0.count == 1,
           case .floorDiv(let x, let den) = rest[0].0[0], let e = den.constant, e > 0 {
            let (ce, o1) = c.multipliedReportingOverflow(by: e)
            let (ed, o2) = e.multipliedReportingOverflow(by: d)
            if !o1 && !o2 { return (x + DimExpr(ce)).floorDivided(by: ed) }
        }
        var quotient: [[Atom]: Int] = [:]
        var remainder: [[Atom]: Int] = [:]
        for (m, k) in rest {
            let q = Self.floorDiv(k, d)
            quotient[m] = q
            remainder[m] = k &- q &* d
        }
        let q = DimExpr(terms: quotient)
        var r = DimExpr(terms: remainder)
        if r.terms.isEmpty { return q + DimExpr(Self.floorDiv(c, d)) }
        var g = d
        for (_, k) in r.terms { g = Self.gcd(g, k) }
        if g > 1 {
            // ⌊(g·P + c)/d⌋ = ⌊(P + ⌊c/g⌋)/(d/g)⌋
            let p = DimExpr(terms: r.terms.mapValues { $0 / g })
            return q + (p + DimExpr(Self.floorDiv(c, g))).floorDivided(by: d / g)
        }
        // constant in (-d, 0]: c = d·qc + rc
        let qc = -Self.floorDiv(-c, d)
        r = r + DimExpr(c &- qc &* d)
        return q + DimExpr(qc) + DimExpr(atom: .floorDiv(r, DimExpr(d)))
    }

    /// `self / b` when `b` is one monomial that divides every term exactly.
    private func exactQuotient(by b: DimExpr) -> DimExpr? {
        guard b.terms.count == 1, let (mb, cb) = b.terms.first, !mb.isEmpty else { return nil }
        var out: [[Atom]: Int] = [:]
        for (m, c) in terms {
            guard cb != -1 || c != Int.min, c % cb == 0 else { return nil }
            var rest = m
            for atom in mb {
                guard let i = rest.firstIndex(of: atom) else { return nil }
                rest.remove(at: i)
            }
            out[rest, default: 0] &+= c / cb
        }
        return DimExpr(terms: out)
    }

    /// `⌊a / b⌋` for `b ≠ 0` (wrapping for `Int.min / -1`).
    static func floorDiv(_ a: Int, _ b: Int) -> Int {
        if b == -1 { return 0 &- a }
        let q = a / b
        return (a % b != 0 && ((a < 0) != (b < 0))) ? q - 1 : q
    }

    static func gcd(_ a: Int, _ b: Int) -> Int {
        var (x, y) = (a.magnitude, b.magnitude)
        while y != 0 { (x, y) = (y, x % y) }
        return Int(truncatingIfNeeded: x)
    }

    // MARK: Printing

    /// Canonical text: non-constant terms sorted by their monomial text, then the constant.
    public var description: String {
        if terms.isEmpty { return "0" }
        let monomials = terms.keys.filter { !$0.isEmpty }
            .map { ($0, $0.map(\.description).joined(separator: "*")) }
            .sorted { $0.1 < $1.1 }
        var text = ""
        for (m, body) in monomials {
            let c = terms[m]!
            let magnitude = c.magnitude == 1 ? body : "\(c.magnitude)*\(body)"
            text += c < 0 ? "-" + magnitude : (text.isEmpty ? "" : "+") + magnitude
        }
        if let c = terms[[]] {
            text += c < 0 || text.isEmpty ? String(c) : "+\(c)"
        }
        return text
    }

    /// The text as an operand of `/`: bare when a single atom or number, else parenthesized.
    var operandText: String {
        if let c = constant, c >= 0 { return String(c) }
        if terms.count == 1, let (m, c) = terms.first, c == 1, m.count == 1, case .symbol = m[0] {
            return description
        }
        return "(\(description))"
    }

    static func isIdentifier(_ s: String) -> Bool {
        guard let first = s.unicodeScalars.first, first == "_" || first.properties.isAlphabetic else {
            return false
        }
        return s.unicodeScalars.allSatisfy { $0 == "_" || $0 == "." || $0.properties.isAlphabetic
            || ("0"..."9").contains($0) } && s != "min"
    }
}
