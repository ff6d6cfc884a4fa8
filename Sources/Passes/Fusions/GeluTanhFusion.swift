import Foundation
import IR
import Plugins

/// GELU, tanh form, in whatever arithmetic the exporter wrote it:
///
///     ½ · x · (1 + tanh(√(2/π) · (x + 0.044715 · x³)))      ==>   x ──▶ Gelu(approximate tanh) ──▶ y
///
/// (`Pow(x, 3)` or `x·x·x`, `0.7978845608·x·(1 + 0.044715·x·x)` as Megatron
/// writes it, the ½ first or last, divisions by reciprocals, ...). Matched by
/// function rather than by one fixed shape: from each Tanh, the region of
/// elementwise nodes (Add, Sub, Mul, Div, Pow, one Tanh) that reads a single
/// value `x` and scalar constants only is grown down through single
/// consumers, and each candidate output is evaluated as a function of `x` on
/// 33 points in [−8, 8]; the largest region equal to the tanh GELU within
/// 1e-6 relative (in double precision) is replaced. A wrong constant
/// (0.04 for 0.044715, √(1/π), ...) changes the values and does not fuse.
/// Checks: float32 `x`, every scalar of one element with no more dims than
/// `x`, intermediate values read only inside the region.
struct GeluTanhFusion: GraphPass {
    let name = "GeluTanh"

    static let elementwise: Set<String> = ["Add", "Sub", "Mul", "Div", "Pow", "Tanh"]
    static let samples: [Double] = (0...32).map { Double($0) / 2 - 8 }

    func apply(_ editor: inout GraphEditor, _ context: PassContext) throws -> Int {
        guard context.has(GeluPlugin.name) else { return 0 }
        var count = 0
        for i in editor.liveIndices {
            guard let t = editor.node(i), t.opType == "Tanh", t.domain.isEmpty,
                  let found = largestGelu(from: i, editor, context), let last = found.nodes.last,
                  let y = editor.node(last)?.outputs.first else { continue }
            let node = Node(name: "\(editor.node(last)?.name ?? t.name)_Gelu", opType: GeluPlugin.name, domain: workbenchDomain,
                            inputs: [found.x], outputs: [y], attributes: ["approximate": .string("tanh")])
            editor.replace(found.nodes, with: [node])
            count += 1
        }
        return count
    }

    /// The input and the nodes (in order) of the largest region through the Tanh in `tanh` computing the tanh GELU.
    private func largestGelu(from tanh: Int, _ e: GraphEditor, _ context: PassContext) -> (x: String, nodes: [Int])? {
        var best: (x: String, nodes: [Int])?
        var slot = tanh
        for _ in 0..<8 {
            guard let n = e.node(slot), let out = n.outputs.first, let candidate = region(ending: slot, e, context) else { break }
            if let r = candidate, isGelu(r.x, r.nodes, e) { best = r }
            let users = e.consumers(of: out)
            guard users.count == 1, !e.isGraphOutput(out), let next = e.node(users[0]), next.domain.isEmpty,
                  Self.elementwise.contains(next.opType), next.opType != "Tanh" else { break }
            slot = users[0]
        }
        return best
    }

    /// True when the region computes the tanh GELU of `x` on every sample point.
    private func isGelu(_ x: String, _ nodes: [Int], _ e: GraphEditor) -> Bool {
        Self.samples.allSatisfy { v in
            let want = 0.5 * v * (1 + Foundation.tanh(0.7978845608028654 * (v + 0.044715 * v * v * v)))
            guard let got = evaluate(nodes, x, v, e) else { return false }
            return abs(got - want) <= 1e-6 * max(abs(want), 1e-3)
        }
    }

    /// The elementwise region ending at `end`: its one non-constant input and its nodes in
    /// graph order. Returns `.some(nil)` when the region is valid so far but reads no input
    /// or one Tanh is missing, nil when it can never become a GELU (another value read, a
    /// value used outside, a non-scalar constant).
    private func region(ending end: Int, _ e: GraphEditor, _ context: PassContext) -> (x: String, nodes: [Int])?? {
        var nodes: Set<Int> = [], inputs: Set<String> = [], stack = [end]
        while let s = stack.popLast() {
            guard !nodes.contains(s) else { continue }
            guard let n = e.node(s), n.domain.isEmpty, Self.elementwise.contains(n.opType), n.outputs.count == 1,
                  nodes.count < 24 else { return nil }
            nodes.insert(s)
            for v in n.inputs {
                if let t = e.constant(v) {
                    guard t.count == 1, t.dataType.isFloatingPoint || n.opType == "Pow" else { return nil }
                } else if let p = e.producer(of: v), let pn = e.node(p), pn.domain.isEmpty, Self.elementwise.contains(pn.opType) {
                    stack.append(p)
                } else {
                    inputs.insert(v)
                }
            }
        }
        guard inputs.count == 1, let x = inputs.first, context.isFloat(x), let rank = context.shape(x)?.rank else { return .some(nil) }
        for s in nodes where s != end {
            guard let out = e.node(s)?.outputs.first, !e.isGraphOutput(out),
                  e.consumers(of: out).allSatisfy(nodes.contains) else { return nil }
        }
        for s in nodes {
            for v in e.node(s)?.inputs ?? [] { if let t = e.constant(v), t.rank > rank { return nil } }
        }
        let tanhs = nodes.filter { e.node($0)?.opType == "Tanh" }.count
        return tanhs == 1 ? .some((x, nodes.sorted())) : .some(nil)
    }

    /// The region's output for the scalar input `v` (double precision), nil if a node cannot be evaluated.
    private func evaluate(_ nodes: [Int], _ x: String, _ v: Double, _ e: GraphEditor) -> Double? {
        var values: [String: Double] = [x: v]
        for s in nodes {
            guard let n = e.node(s) else { return nil }
            var args: [Double] = []
            for i in n.inputs {
                if let known = values[i] { args.append(known) }
                else if let c = e.constant(i)?.floatValues()?.first { args.append(Double(c)) }
                else { return nil }
            }
            let r: Double
            switch (n.opType, args.count) {
            case ("Add", 2): r = args[0] + args[1]
            case ("Sub", 2): r = args[0] - args[1]
            case ("Mul", 2): r = args[0] * args[1]
            case ("Div", 2): r = args[0] / args[1]
            case ("Pow", 2): r = Foundation.pow(args[0], args[1])
            case ("Tanh", 1): r = Foundation.tanh(args[0])
            default: return nil
            }
            values[n.outputs[0]] = r
        }
        return nodes.last.flatMap { e.node($0)?.outputs.first }.flatMap { values[$0] }
    }
}
