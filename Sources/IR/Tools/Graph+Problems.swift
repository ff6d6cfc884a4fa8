extension Graph {
    /// Every structural problem of the graph at once (``validate()`` stops at
    /// the first): values produced twice, node inputs nothing defines, graph
    /// outputs nothing produces, cycles, and graph inputs without a type.
    /// Empty when the graph is well formed.
    public func validationProblems() -> [String] {
        var problems: [String] = []
        var defined = sourceNames
        for n in nodes {
            for o in n.outputs where !o.isEmpty && !defined.insert(o).inserted {
                problems.append(IRError.duplicateName(o).description)
            }
        }
        for n in nodes {
            for v in n.inputs where !v.isEmpty && !defined.contains(v) {
                problems.append(IRError.danglingInput(node: n.label, input: v).description)
            }
        }
        for o in outputs where !defined.contains(o.name) {
            problems.append(IRError.missingOutput(o.name).description)
        }
        do {
            _ = try topologicalOrder()
        } catch {
            problems.append("\(error)")
        }
        for i in runtimeInputs where i.type == nil {
            problems.append("graph input '\(i.name)' has no type")
        }
        return problems
    }

    /// Parameters: the elements and bytes of the initializers and of the
    /// constant tensors held by `Constant` nodes (`value`, `value_float(s)`, `value_int(s)`).
    public func parameterCount() -> (elements: Int, bytes: Int, initializers: Int, constants: Int) {
        var elements = 0, bytes = 0, constants = 0
        for t in initializers.values {
            elements += t.count
            bytes += t.byteCount
        }
        for n in nodes where n.op == .constant {
            for (_, attribute) in n.attributes {
                let size: (Int, Int)?
                switch attribute {
                case .tensor(let t): size = (t.count, t.byteCount)
                case .float: size = (1, 4)
                case .int: size = (1, 8)
                case .floats(let v): size = (v.count, 4 * v.count)
                case .ints(let v): size = (v.count, 8 * v.count)
                default: size = nil
                }
                if let (e, b) = size {
                    elements += e
                    bytes += b
                    constants += 1
                }
            }
        }
        return (elements, bytes, initializers.count, constants)
    }
}
