/// Arithmetic on dims: static dims fold to numbers, symbolic ones go through
/// ``DimExpr`` and come back as canonical text (`T-1`, `B*T`, `(T-1)/2`).
extension Dim {
    /// `self + other`, folded when static, else a canonical ``DimExpr`` symbol.
    public func adding(_ other: Dim) -> Dim {
        if let a = value, let b = other.value { return .value(a &+ b) }
        return (DimExpr(self) + DimExpr(other)).dim
    }

    /// `self - other`.
    public func subtracting(_ other: Dim) -> Dim {
        if let a = value, let b = other.value { return .value(a &- b) }
        return (DimExpr(self) - DimExpr(other)).dim
    }

    /// `self * other`.
    public func multiplied(by other: Dim) -> Dim {
        if let a = value, let b = other.value { return .value(a &* b) }
        if value == 1 { return other }
        if other.value == 1 { return self }
        return (DimExpr(self) * DimExpr(other)).dim
    }

    /// `⌊self / other⌋`, or nil when `other` is 0.
    public func floorDivided(by other: Dim) -> Dim? {
        if other.value == 1 { return self }
        return DimExpr.floorDiv(DimExpr(self), DimExpr(other))?.dim
    }

    /// `⌈self / other⌉`, or nil when `other` is 0.
    public func ceilDivided(by other: Dim) -> Dim? {
        if other.value == 1 { return self }
        return DimExpr.ceilDiv(DimExpr(self), DimExpr(other))?.dim
    }

    /// The product of `dims` (1 for none).
    public static func product(_ dims: [Dim]) -> Dim {
        dims.reduce(Dim.value(1)) { $0.multiplied(by: $1) }
    }

    /// True when the two dims are provably different (static and unequal, or
    /// expressions whose difference is a nonzero constant).
    public func isProvablyDifferent(from other: Dim) -> Bool {
        if self == other { return false }
        if let a = value, let b = other.value { return a != b }
        if let c = (DimExpr(self) - DimExpr(other)).constant { return c != 0 }
        return false
    }

    /// True when the two dims are provably equal (same text or same canonical expression).
    public func isProvablyEqual(to other: Dim) -> Bool {
        self == other || (DimExpr(self) - DimExpr(other)).constant == 0
    }
}
