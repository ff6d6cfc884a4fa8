import Foundation
import IR
import SwiftProtobuf

/// Reads ONNX model files (`ModelProto`) and single tensors (`TensorProto`)
/// into the workbench IR.
///
/// Everything a PyTorch export uses is imported: opset imports, graph inputs,
/// outputs and `value_info` with element types and (symbolic) shapes,
/// initializers in every storage form (`raw_data`, the typed fields, external
/// data files, sparse initializers), every attribute kind including subgraphs,
/// node names, domains and doc strings, and `metadata_props`.
///
/// - Unnamed nodes get the stable name `OpType_<index>` (their position in
///   their graph), as onnx-graphsurgeon shows them.
/// - A dim with neither `dim_value` nor `dim_param` becomes a fresh symbol
///   `unk__<n>` that no other dim in the model uses; a value without a shape
///   gets a nil shape.
/// - Subgraphs (the bodies of `If`, `Loop`, `Scan`) carry the model's opset imports.
///
/// Malformed input never traps: every count and size is checked against the
/// bytes actually present before anything is allocated, and problems are
/// thrown as ``ONNXError`` naming the file and the tensor, node or attribute.
public struct ONNXImporter: Sendable {
    public init() {}

    /// Loads a model file; external data files are resolved relative to its directory.
    public func load(contentsOf url: URL) throws -> Model {
        let path = url.path
        var isDirectory: ObjCBool = false
        guard FileManager.default.fileExists(atPath: path, isDirectory: &isDirectory) else {
            throw ONNXError.fileNotFound(path: path)
        }
        if isDirectory.boolValue { throw ONNXError.unreadableFile(path: path, reason: "is a directory") }
        let data: Data
        do {
            data = try Data(contentsOf: url, options: .mappedIfSafe)
        } catch {
            throw ONNXError.unreadableFile(path: path, reason: error.localizedDescription)
        }
        return try load(data: data, source: path, externalDataDirectory: url.deletingLastPathComponent())
    }

    /// Loads a model from serialized `ModelProto` bytes.
    ///
    /// - Parameters:
    ///   - source: the name errors use for the data (usually its file path).
    ///   - externalDataDirectory: where external data `location`s are resolved;
    ///     nil makes a model with external data an error.
    public func load(data: Data, source: String, externalDataDirectory: URL?) throws -> Model {
        let proto: Onnx_ModelProto
        do {
            proto = try Onnx_ModelProto(serializedBytes: data)
        } catch {
            throw ONNXError.invalidProtobuf(path: source, reason: String(describing: error))
        }
        guard proto.hasGraph else { throw ONNXError.notAModel(path: source) }

        let context = ImportContext(source: source, directory: externalDataDirectory)
        defer { context.closeFiles() }
        context.functionKeys = Set(proto.functions.map { ImportContext.functionKey(domain: $0.domain, name: $0.name) })
        context.collectSymbols(in: proto.graph)

        var opsets: [String: Int] = [:]
        for entry in proto.opsetImport {
            opsets[entry.domain == "ai.onnx" ? "" : entry.domain] = Int(truncatingIfNeeded: entry.version)
        }
        let graph = try context.graph(proto.graph, opsets: opsets)
        var metadata: [String: String] = [:]
        for entry in proto.metadataProps { metadata[entry.key] = entry.value }
        return Model(graph: graph, irVersion: Int(truncatingIfNeeded: proto.irVersion),
                     producerName: proto.producerName, producerVersion: proto.producerVersion,
                     domain: proto.domain, modelVersion: Int(truncatingIfNeeded: proto.modelVersion),
                     docString: proto.docString, metadata: metadata)
    }

    /// Decodes one serialized `TensorProto` (such as an ONNX node test's `input_0.pb`).
    public static func tensor(fromTensorProto data: Data, source: String) throws -> Tensor {
        try namedTensor(fromTensorProto: data, source: source).tensor
    }

    /// Decodes one serialized `TensorProto` and returns it with the name it carries.
    public static func namedTensor(fromTensorProto data: Data, source: String) throws
        -> (name: String, tensor: Tensor)
    {
        let proto: Onnx_TensorProto
        do {
            proto = try Onnx_TensorProto(serializedBytes: data)
        } catch {
            throw ONNXError.invalidProtobuf(path: source, reason: String(describing: error))
        }
        let context = ImportContext(source: source, directory: nil)
        defer { context.closeFiles() }
        let label = proto.name.isEmpty ? "<unnamed>" : proto.name
        return (proto.name, try context.tensor(proto, name: label))
    }
}

/// The state of one import: the source for error messages, the external data
/// directory and its open files, and the symbols already used by dims.
final class ImportContext {
    let source: String
    let directory: URL?
    /// `domain::name` of the model-local functions (`ModelProto.functions`).
    var functionKeys: Set<String> = []
    /// Every `dim_param` in the model, so generated `unk__<n>` symbols never collide.
    var usedSymbols: Set<String> = []
    var nextUnknown = 0
    var externalFiles: [String: ExternalFile] = [:]

    init(source: String, directory: URL?) {
        self.source = source
        self.directory = directory
    }

    static func functionKey(domain: String, name: String) -> String {
        "\(domain == "ai.onnx" ? "" : domain)::\(name)"
    }

    func closeFiles() { externalFiles.removeAll() }

    func graph(_ g: Onnx_GraphProto, opsets: [String: Int]) throws -> Graph {
        var initializers: [String: Tensor] = [:]
        for t in g.initializer { initializers[t.name] = try tensor(t, name: t.name) }
        for s in g.sparseInitializer { initializers[s.values.name] = try sparseTensor(s, name: s.values.name) }
        let inputs = try g.input.map(valueInfo)
        let outputs = try g.output.map(valueInfo)
        var infos: [String: ValueInfo] = [:]
        for v in g.valueInfo { infos[v.name] = try valueInfo(v) }
        return Graph(name: g.name, nodes: try nodes(g.node, opsets: opsets), inputs: inputs, outputs: outputs,
                     initializers: initializers, valueInfo: infos, opsetImports: opsets)
    }

    private func nodes(_ protos: [Onnx_NodeProto], opsets: [String: Int]) throws -> [Node] {
        let taken = Set(protos.lazy.map(\.name).filter { !$0.isEmpty })
        var result: [Node] = []
        result.reserveCapacity(protos.count)
        for (index, p) in protos.enumerated() {
            var name = p.name
            if name.isEmpty {
                name = "\(p.opType)_\(index)"
                var suffix = 1
                while taken.contains(name) {
                    name = "\(p.opType)_\(index)_\(suffix)"
                    suffix += 1
                }
            }
            if functionKeys.contains(Self.functionKey(domain: p.domain, name: p.opType)) {
                throw ONNXError.unsupported(path: source, name: name,
                    feature: "node calls model-local function '\(p.domain)::\(p.opType)' (inline functions before import)")
            }
            var attributes: [String: Attribute] = [:]
            for a in p.attribute { attributes[a.name] = try attribute(a, node: name, opsets: opsets) }
            result.append(Node(name: name, opType: p.opType, domain: p.domain, inputs: p.input,
                               outputs: p.output, attributes: attributes, docString: p.docString))
        }
        return result
    }
}
