import Foundation
import IR

/// Collects a manifest and named weight sections, then writes them as one
/// `.plan` file (format in ``PlanFormat``).
///
/// ```swift
/// var writer = PlanWriter()
/// try writer.setManifest(engineDescription)            // any Encodable, stored as JSON
/// try writer.addSection(named: "encoder.0.fc1.weight.packed", floats: packed, shape: [256, 1024])
/// try writer.addSection(named: "big", dataType: .float32, shape: [4096, 4096]) { buffer in
///     fill(buffer)                                      // written straight into the file, no copy kept
/// }
/// try writer.write(to: planURL)                         // atomic: all or nothing
/// ```
///
/// Arrays and `Data` are held by reference (copy-on-write), so adding a section
/// does not copy its elements. Section order in the file is the order of the calls.
public struct PlanWriter {
    /// Where a section's bytes come from at write time.
    enum Source {
        case data(Data)
        case tensor(TensorData)
        case provider((UnsafeMutableRawBufferPointer) throws -> Void)
    }

    struct PendingSection {
        var name: String
        var dataType: DataType
        var shape: [Int]
        var byteCount: Int
        var source: Source
    }

    /// The version string written into the header (at most 32 UTF-8 bytes).
    public let writerVersion: String
    /// The manifest: UTF-8 JSON, `{}` until one is set.
    public private(set) var manifest = Data("{}".utf8)
    var sections: [PendingSection] = []
    private var names: Set<String> = []

    /// A writer with no sections and an empty (`{}`) manifest.
    public init(writerVersion: String = PlanFormat.workbenchVersion) {
        self.writerVersion = writerVersion
    }

    /// The names of the sections added so far, in file order.
    public var sectionNames: [String] { sections.map(\.name) }

    // MARK: Manifest

    /// Sets the manifest to UTF-8 JSON bytes; throws when they are not valid JSON.
    public mutating func setManifest(_ json: Data) throws(PlanError) {
        do {
            _ = try JSONSerialization.jsonObject(with: json, options: [.fragmentsAllowed])
        } catch {
            throw .invalidWriterInput(reason: "the manifest is not valid JSON (\(Self.oneLine(error)))")
        }
        manifest = json
    }

    /// Sets the manifest to `value` encoded as JSON with sorted keys, so equal
    /// values give byte-identical plans.
    public mutating func setManifest<T: Encodable>(_ value: T) throws(PlanError) {
        let encoder = JSONEncoder()
        encoder.outputFormatting = [.sortedKeys, .withoutEscapingSlashes]
        do {
            manifest = try encoder.encode(value)
        } catch {
            throw .invalidWriterInput(reason: "the manifest cannot be encoded as JSON (\(Self.oneLine(error)))")
        }
    }

    // MARK: Sections

    /// Adds a float32 section; `shape` defaults to `[values.count]`.
    public mutating func addSection(named name: String, floats values: [Float], shape: [Int]? = nil) throws(PlanError) {
        let shape = shape ?? [values.count]
        try append(name, .float32, shape, elementCount: values.count, source: .tensor(.float32(values)))
    }

    /// Adds a section holding a tensor's elements, type and shape (not `string` tensors).
    public mutating func addSection(named name: String, tensor: Tensor) throws(PlanError) {
        try append(name, tensor.dataType, tensor.shape, elementCount: tensor.count, source: .tensor(tensor.data))
    }

    /// Adds a section of raw bytes, interpreted as little-endian elements of `dataType`
    /// in row-major order; `shape` defaults to one dimension covering all the bytes.
    public mutating func addSection(named name: String, bytes: Data, dataType: DataType = .uint8,
                                    shape: [Int]? = nil) throws(PlanError) {
        let size = max(dataType.byteSize, 1)
        let shape = shape ?? [bytes.count / size]
        guard bytes.count % size == 0 else {
            throw .invalidWriterInput(reason: "section '\(name)': \(bytes.count) bytes are not a whole number of \(dataType) elements")
        }
        try append(name, dataType, shape, elementCount: bytes.count / size, source: .data(bytes))
    }

    /// Adds a section whose bytes `fill` writes at ``write(to:)`` time, straight
    /// into a zeroed buffer of exactly `product(shape) × dataType.byteSize` bytes
    /// (64-byte aligned). The buffer is only valid during the call. An error thrown
    /// by `fill` aborts the write, leaves any existing file untouched and is rethrown as is.
    public mutating func addSection(named name: String, dataType: DataType, shape: [Int],
                                    fill: @escaping (UnsafeMutableRawBufferPointer) throws -> Void) throws(PlanError) {
        try append(name, dataType, shape, elementCount: nil, source: .provider(fill))
    }

    private mutating func append(_ name: String, _ dataType: DataType, _ shape: [Int], elementCount: Int?,
                                 source: Source) throws(PlanError) {
        func fail(_ reason: String) -> PlanError { .invalidWriterInput(reason: "section '\(name)': \(reason)") }
        let nameLength = name.utf8.count
        guard (1...PlanFormat.maxSectionNameLength).contains(nameLength) else {
            throw fail("names must have 1...\(PlanFormat.maxSectionNameLength) UTF-8 bytes, this one has \(nameLength)")
        }
        guard !names.contains(name) else { throw fail("a section with this name was already added") }
        guard dataType != .string else { throw fail("string tensors cannot be stored in a plan section") }
        guard shape.count <= PlanFormat.maxSectionRank, shape.allSatisfy({ $0 >= 0 }) else {
            throw fail("invalid shape \(shape)")
        }
        var count = 1
        for d in shape {
            let (product, overflow) = count.multipliedReportingOverflow(by: d)
            guard !overflow else { throw fail("shape \(shape) has too many elements") }
            count = product
        }
        if let elementCount, elementCount != count {
            throw fail("\(elementCount) elements do not fill shape \(shape)")
        }
        let (byteCount, overflow) = count.multipliedReportingOverflow(by: dataType.byteSize)
        guard !overflow else { throw fail("shape \(shape) has too many bytes") }
        names.insert(name)
        sections.append(PendingSection(name: name, dataType: dataType, shape: shape, byteCount: byteCount, source: source))
    }

    // MARK: Layout

    /// Where everything goes: offsets for every section and the header's regions
    /// (body checksum still 0).
    func layout() -> (header: PlanHeader, table: [PlanSectionInfo]) {
        let headerSize = PlanFormat.headerSize
        let manifestRange = headerSize..<(headerSize + manifest.count)
        let tableStart = PlanFormat.align(manifestRange.upperBound, to: 8)
        var table = sections.map {
            PlanSectionInfo(name: $0.name, dataType: $0.dataType, shape: $0.shape, offset: 0, byteCount: $0.byteCount)
        }
        // Entries have a fixed width whatever their offsets, so a dry encoding measures the table.
        let tableLength = PlanSectionTable.encode(table).count
        let weightsStart = PlanFormat.align(tableStart + tableLength, to: PlanFormat.sectionAlignment)
        var cursor = weightsStart
        for i in table.indices {
            table[i].offset = PlanFormat.align(cursor, to: PlanFormat.sectionAlignment)
            cursor = table[i].offset + table[i].byteCount
        }
        let header = PlanHeader(fileSize: cursor, manifestRange: manifestRange,
                                sectionTableRange: tableStart..<(tableStart + tableLength),
                                weightsRange: weightsStart..<cursor, bodyChecksum: 0,
                                writerVersion: writerVersion)
        return (header, table)
    }

    static func oneLine(_ error: Error) -> String {
        String(describing: error).split(whereSeparator: \.isNewline).joined(separator: " ")
    }
}
