import IR

/// Named arrays in a fixed order: the contents of an `.npz` file.
///
/// Names are the archive's entry names without the `.npy` suffix; the order is
/// the order of the entries in the file (NumPy's `savez` keeps keyword order).
public struct NumPyArchive: Sendable, Equatable, Sequence {
    /// The array names, in archive order.
    public private(set) var names: [String] = []
    /// The arrays by name.
    public private(set) var arrays: [String: Tensor] = [:]

    public init() {}

    /// Creates an archive from name-array pairs, in their order; a repeated name keeps its first position and last value.
    public init<S: Sequence<(String, Tensor)>>(_ pairs: S) {
        for (name, tensor) in pairs { self[name] = tensor }
    }

    /// Creates an archive from a dictionary, with names sorted.
    public init(_ dictionary: [String: Tensor]) {
        self.init(dictionary.sorted { $0.key < $1.key }.map { ($0.key, $0.value) })
    }

    public var count: Int { names.count }
    public var isEmpty: Bool { names.isEmpty }

    /// The array named `name`; setting nil removes it, setting a new name appends it.
    public subscript(name: String) -> Tensor? {
        get { arrays[name] }
        set {
            if let newValue {
                if arrays.updateValue(newValue, forKey: name) == nil { names.append(name) }
            } else if arrays.removeValue(forKey: name) != nil {
                names.removeAll { $0 == name }
            }
        }
    }

    public func makeIterator() -> AnyIterator<(name: String, tensor: Tensor)> {
        var i = 0
        return AnyIterator {
            guard i < names.count else { return nil }
            defer { i += 1 }
            return (names[i], arrays[names[i]]!)
        }
    }
}
