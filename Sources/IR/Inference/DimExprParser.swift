/// Reads the text ``DimExpr`` prints back into an expression.
///
/// Grammar (`/` is floor division; `[...]` is an opaque atom):
/// ```
/// expr    = term (("+" | "-") term)*
/// term    = unary (("*" | "/") unary)*
/// unary   = "-" unary | primary
/// primary = integer | identifier | "[" text "]" | "(" expr ")" | "min(" expr "," expr ")"
/// ```
enum DimExprParser {
    /// The expression, or nil when `text` is not one (the caller then treats it as an atom).
    static func parse(_ text: String) -> DimExpr? {
        var p = Cursor(chars: Array(text.unicodeScalars))
        guard let e = p.expr() else { return nil }
        p.skipSpaces()
        return p.atEnd ? e : nil
    }

    private struct Cursor {
        let chars: [Unicode.Scalar]
        var i = 0

        var atEnd: Bool { i >= chars.count }

        mutating func skipSpaces() { while i < chars.count, chars[i] == " " { i += 1 } }

        mutating func eat(_ c: Unicode.Scalar) -> Bool {
            skipSpaces()
            if i < chars.count, chars[i] == c { i += 1; return true }
            return false
        }

        mutating func expr() -> DimExpr? {
            guard var acc = term() else { return nil }
            while true {
                if eat("+") { guard let t = term() else { return nil }; acc = acc + t }
                else if eat("-") { guard let t = term() else { return nil }; acc = acc - t }
                else { return acc }
            }
        }

        mutating func term() -> DimExpr? {
            guard var acc = unary() else { return nil }
            while true {
                if eat("*") { guard let t = unary() else { return nil }; acc = acc * t }
                else if eat("/") {
                    guard let t = unary(), let q = DimExpr.floorDiv(acc, t) else { return nil }
                    acc = q
                } else { return acc }
            }
        }

        mutating func unary() -> DimExpr? {
            if eat("-") { return unary().map { -$0 } }
            return primary()
        }

        mutating func primary() -> DimExpr? {
            skipSpaces()
            guard i < chars.count else { return nil }
            let c = chars[i]
            if ("0"..."9").contains(c) {
                var v = 0
                while i < chars.count, ("0"..."9").contains(chars[i]) {
                    let (m, o1) = v.multipliedReportingOverflow(by: 10)
                    let (s, o2) = m.addingReportingOverflow(Int(chars[i].value - 48))
                    if o1 || o2 { return nil }
                    v = s
                    i += 1
                }
                return DimExpr(v)
            }
            if eat("(") {
                guard let e = expr(), eat(")") else { return nil }
                return e
            }
            if eat("[") {
                let start = i
                while i < chars.count, chars[i] != "]" { i += 1 }
                guard i < chars.count else { return nil }
                let name = String(String.UnicodeScalarView(chars[start..<i]))
                i += 1
                return DimExpr(atom: .symbol(name))
            }
            return identifierOrMin()
        }

        mutating func identifierOrMin() -> DimExpr? {
            let start = i
            while i < chars.count, chars[i] == "_" || chars[i] == "." || chars[i].properties.isAlphabetic
                    || (i > start && ("0"..."9").contains(chars[i])) {
                i += 1
            }
            guard i > start else { return nil }
            let name = String(String.UnicodeScalarView(chars[start..<i]))
            if name == "min" {
                guard eat("("), let a = expr(), eat(","), let b = expr(), eat(")") else { return nil }
                return DimExpr.min(a, b)
            }
            return DimExpr(atom: .symbol(name))
        }
    }
}
