import IR

enum Elementwise {
    static func unary(_ op: Op, _ ctx: NodeContext) throws -> Tensor { throw ctx.fail("not yet written") }
    static func binary(_ op: Op, _ ctx: NodeContext) throws -> Tensor { throw ctx.fail("not yet written") }
    static func variadic(_ op: Op, _ ctx: NodeContext) throws -> Tensor { throw ctx.fail("not yet written") }
    static func `where`(_ ctx: NodeContext) throws -> Tensor { throw ctx.fail("not yet written") }
    static func cast(_ ctx: NodeContext) throws -> Tensor { throw ctx.fail("not yet written") }
    static func castLike(_ ctx: NodeContext) throws -> Tensor { throw ctx.fail("not yet written") }
    static func clip(_ ctx: NodeContext) throws -> Tensor { throw ctx.fail("not yet written") }
    static func dropout(_ ctx: NodeContext) throws -> [Tensor] { throw ctx.fail("not yet written") }
}
