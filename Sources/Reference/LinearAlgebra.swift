import IR

enum LinearAlgebra {
    static func matMul(_ ctx: NodeContext) throws -> Tensor { throw ctx.fail("not yet written") }
    static func gemm(_ ctx: NodeContext) throws -> Tensor { throw ctx.fail("not yet written") }
}
