import IR

enum ShapeOps {
    static func shape(_ ctx: NodeContext) throws -> Tensor { throw ctx.fail("not yet written") }
    static func size(_ ctx: NodeContext) throws -> Tensor { throw ctx.fail("not yet written") }
    static func gather(_ ctx: NodeContext) throws -> Tensor { throw ctx.fail("not yet written") }
    static func unsqueeze(_ ctx: NodeContext) throws -> Tensor { throw ctx.fail("not yet written") }
    static func squeeze(_ ctx: NodeContext) throws -> Tensor { throw ctx.fail("not yet written") }
    static func concat(_ ctx: NodeContext) throws -> Tensor { throw ctx.fail("not yet written") }
    static func slice(_ ctx: NodeContext) throws -> Tensor { throw ctx.fail("not yet written") }
    static func reshape(_ ctx: NodeContext) throws -> Tensor { throw ctx.fail("not yet written") }
    static func transpose(_ ctx: NodeContext) throws -> Tensor { throw ctx.fail("not yet written") }
    static func expand(_ ctx: NodeContext) throws -> Tensor { throw ctx.fail("not yet written") }
    static func range(_ ctx: NodeContext) throws -> Tensor { throw ctx.fail("not yet written") }
    static func constantOfShape(_ ctx: NodeContext) throws -> Tensor { throw ctx.fail("not yet written") }
    static func constant(_ ctx: NodeContext) throws -> Tensor { throw ctx.fail("not yet written") }
    static func flatten(_ ctx: NodeContext) throws -> Tensor { throw ctx.fail("not yet written") }
    static func tile(_ ctx: NodeContext) throws -> Tensor { throw ctx.fail("not yet written") }
    static func pad(_ ctx: NodeContext) throws -> Tensor { throw ctx.fail("not yet written") }
    static func trilu(_ ctx: NodeContext) throws -> Tensor { throw ctx.fail("not yet written") }
    static func split(_ ctx: NodeContext) throws -> [Tensor] { throw ctx.fail("not yet written") }
}
