/// Concrete input shapes given on a command line, in trtexec's form:
/// `speech:1x16x80,speech_lengths:1`.
///
/// Names may contain `:` (TensorFlow's `input:0`): the last colon separates the
/// name from the dims, and a name may be quoted (`'input:0':1x3`). Resolving a
/// spec against a model's inputs binds the symbols of the given inputs' shapes
/// (`B=1`, `T=16`), so inputs that share them (`speech_lengths: [B]`) need not
/// be listed.
public struct ShapeSpec: Sendable, Equatable, CustomStringConvertible {
    /// Input names in the order given.
    public private(set) var names: [String] = []
    /// The shape given for each input.
    public private(set) var shapes: [String: [Int]] = [:]

    /// The command-line flag the spec came from, for error messages.
    public private(set) var option = "--shapes"

    public init() {}

    /// A spec from explicit pairs (later pairs of the same name replace earlier ones).
    public init(_ pairs: [(String, [Int])]) {
        for (name, shape) in pairs {
            if shapes.updateValue(shape, forKey: name) == nil { names.append(name) }
        }
    }

    /// Parses `name:1x16x80,name2:4`; errors name `option` (the flag the text came from).
    public init(parsing text: String, option: String = "--shapes") throws(InputSpecError) {
        self.option = option
        for entry in text.split(separator: ",", omittingEmptySubsequences: false).map(String.init) {
            let (name, dims) = try Self.parseEntry(entry, option: option)
            guard shapes[name] == nil else { throw .duplicateInput(option: option, input: name) }
            names.append(name)
            shapes[name] = dims
        }
    }

    public var isEmpty: Bool { names.isEmpty }

    /// `name:1x16x80,name2:4`, the form it parses.
    public var description: String {
        names.map { "\($0):\(shapes[$0]!.map(String.init).joined(separator: "x"))" }.joined(separator: ",")
    }

    private static func parseEntry(_ entry: String, option: String) throws(InputSpecError) -> (String, [Int]) {
        let fail = { (reason: String) in InputSpecError.syntax(option: option, entry: entry, reason: reason) }
        guard let colon = entry.lastIndex(of: ":") else { throw fail("expected NAME:DIMS such as speech:1x16x80") }
        var name = String(entry[..<colon]).trimmingSpaces
        if name.count >= 2, name.hasPrefix("'"), name.hasSuffix("'") { name = String(name.dropFirst().dropLast()) }
        guard !name.isEmpty else { throw fail("the input name is empty") }
        let dimsText = String(entry[entry.index(after: colon)...]).trimmingSpaces
        guard !dimsText.isEmpty else { throw fail("no dims after ':'") }
        var dims: [Int] = []
        for part in dimsText.split(separator: "x", omittingEmptySubsequences: false) {
            guard let d = Int(part), d >= 0 else {
                throw fail("'\(part)' is not a size (dims are non-negative integers joined by 'x')")
            }
            dims.append(d)
        }
        return (name, dims)
    }

    /// Checks every named input exists, and that ranks and static dims agree with the model.
    public func check(against inputs: [ValueInfo]) throws(InputSpecError) {
        let known = inputs.map(\.name)
        for name in names where !known.contains(name) {
            throw .unknownInput(option: option, input: name, inputs: known)
        }
        for info in inputs {
            guard let given = shapes[info.name], let declared = info.type?.shape else { continue }
            guard declared.rank == given.count else {
                throw .rank(input: info.name, declared: declared.rank, given: given.count)
            }
            for (axis, (dim, size)) in zip(declared.dims, given).enumerated() {
                if let v = dim.value, v != size { throw .staticDim(input: info.name, axis: axis, declared: v, given: size) }
            }
        }
    }

    /// The concrete shape of every input: given ones as given, the others from
    /// their declared shapes with symbols bound by the given ones.
    public func resolve(_ inputs: [ValueInfo]) throws(InputSpecError) -> [String: [Int]] {
        try check(against: inputs)
        var bindings: [String: (size: Int, input: String)] = [:]
        for info in inputs {
            guard let given = shapes[info.name], let declared = info.type?.shape else { continue }
            for (dim, size) in zip(declared.dims, given) {
                guard case .symbol(let s) = dim else { continue }
                if let bound = bindings[s], bound.size != size {
                    throw .conflictingSymbol(symbol: s, first: bound.input, firstSize: bound.size,
                                             second: info.name, secondSize: size)
                }
                bindings[s] = (size, info.name)
            }
        }
        var result: [String: [Int]] = [:]
        for info in inputs {
            if let given = shapes[info.name] { result[info.name] = given; continue }
            guard let declared = info.type?.shape else { throw .unknownShape(input: info.name) }
            var sizes: [Int] = []
            for (axis, dim) in declared.dims.enumerated() {
                switch dim {
                case .value(let v): sizes.append(v)
                case .symbol(let s):
                    guard let bound = bindings[s] else { throw .unresolvedDim(input: info.name, axis: axis, symbol: s) }
                    sizes.append(bound.size)
                }
            }
            result[info.name] = sizes
        }
        return result
    }
}

fileprivate extension String {
    var trimmingSpaces: String {
        var s = Substring(self)
        while s.first == " " { s = s.dropFirst() }
        while s.last == " " { s = s.dropLast() }
        return String(s)
    }
}
