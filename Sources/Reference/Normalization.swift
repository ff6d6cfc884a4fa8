import IR

enum Normalization {
    static func softmax(_ op: Op, _ ctx: NodeContext) throws -> Tensor { throw ctx.fail("not yet written") }
    static func batchNormalization(_ ctx: NodeContext) throws -> Tensor { throw ctx.fail("not yet written") }
    static func layerNormalization(_ ctx: NodeContext) throws -> [Tensor] { throw ctx.fail("not yet written") }
}
