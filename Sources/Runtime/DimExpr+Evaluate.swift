import IR

extension DimExpr {
    /// The expression's value with its symbols bound, or nil when a symbol is
    /// unbound or a division by zero occurs.
    ///
    /// Each monomial `c · a₁ · … · aₖ` contributes `c · ∏ value(aᵢ)`; a floor
    /// division atom is `⌊n / d⌋` (toward −∞), a min atom the smaller operand.
    public func evaluate(_ bindings: [String: Int]) -> Int? {
        var total = 0
        for (monomial, coefficient) in terms {
            var product = coefficient
            for atom in monomial {
                guard let v = Self.evaluate(atom, bindings) else { return nil }
                product = product &* v
            }
            total = total &+ product
        }
        return total
    }

    /// The symbols the expression refers to.
    public var symbolNames: Set<String> {
        var names = Set<String>()
        for monomial in terms.keys {
            for atom in monomial { Self.collect(atom, into: &names) }
        }
        return names
    }

    private static func collect(_ atom: Atom, into names: inout Set<String>) {
        switch atom {
        case .symbol(let s): names.insert(s)
        case .floorDiv(let n, let d), .min(let n, let d):
            names.formUnion(n.symbolNames)
            names.formUnion(d.symbolNames)
        }
    }

    private static func evaluate(_ atom: Atom, _ bindings: [String: Int]) -> Int? {
        switch atom {
        case .symbol(let s): return bindings[s]
        case .floorDiv(let n, let d):
            guard let a = n.evaluate(bindings), let b = d.evaluate(bindings), b != 0 else { return nil }
            if b == -1 { return 0 &- a }
            let q = a / b
            return (a % b != 0 && ((a < 0) != (b < 0))) ? q - 1 : q
        case .min(let x, let y):
            guard let a = x.evaluate(bindings), let b = y.evaluate(bindings) else { return nil }
            return Swift.min(a, b)
        }
    }
}
