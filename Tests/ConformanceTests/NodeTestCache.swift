import Foundation

/// The on-disk cache of ONNX backend node test cases that
/// `scripts/onnx_node_tests.py` writes, and the means to (re)generate it.
///
/// Layout (see the script's docstring):
///
///     .cache/onnx-node-tests/index.json
///     .cache/onnx-node-tests/<case>/model.onnx
///     .cache/onnx-node-tests/<case>/meta.json
///     .cache/onnx-node-tests/<case>/test_data_set_N/{input,output}_K.pb
struct NodeTestCache {
    /// The repository root (the folder holding `Package.swift`).
    let repositoryRoot: URL
    /// `<root>/.cache/onnx-node-tests`.
    let directory: URL

    /// Locates the repository from this source file's path:
    /// `<root>/Tests/ConformanceTests/NodeTestCache.swift`.
    init(filePath: String = #filePath) {
        let root = URL(fileURLWithPath: filePath)
            .deletingLastPathComponent()  // ConformanceTests
            .deletingLastPathComponent()  // Tests
            .deletingLastPathComponent()  // root
        self.repositoryRoot = root
        self.directory = root.appendingPathComponent(".cache/onnx-node-tests", isDirectory: true)
    }

    var indexURL: URL { directory.appendingPathComponent("index.json") }
    var reportURL: URL { directory.appendingPathComponent("report.json") }
    /// Holds the name of the case running now; left behind when a kernel traps.
    var inFlightURL: URL { directory.appendingPathComponent("in-flight.txt") }
    var scriptURL: URL { repositoryRoot.appendingPathComponent("scripts/onnx_node_tests.py") }
    var logURL: URL { repositoryRoot.appendingPathComponent(".cache/onnx-node-tests.log") }

    func caseDirectory(_ name: String) -> URL { directory.appendingPathComponent(name, isDirectory: true) }

    /// Runs the generator script, which returns at once when the cache is current.
    ///
    /// Throws ``NodeTestCacheError`` with install instructions when python3 or
    /// onnx is missing or the script fails.
    func generate() throws {
        let fm = FileManager.default
        try fm.createDirectory(at: logURL.deletingLastPathComponent(), withIntermediateDirectories: true)
        fm.createFile(atPath: logURL.path, contents: nil)
        let log = try FileHandle(forWritingTo: logURL)
        defer { try? log.close() }

        let process = Process()
        // `env` finds python3 on PATH (pyenv shims, virtualenvs) like a shell would.
        process.executableURL = URL(fileURLWithPath: "/usr/bin/env")
        process.arguments = ["python3", scriptURL.path, "--out", directory.path]
        process.currentDirectoryURL = repositoryRoot
        process.standardOutput = log
        process.standardError = log
        do {
            try process.run()
        } catch {
            throw NodeTestCacheError.launchFailed(reason: "\(error)")
        }
        process.waitUntilExit()
        guard process.terminationReason == .exit, process.terminationStatus == 0 else {
            let output = (try? String(contentsOf: logURL, encoding: .utf8)) ?? ""
            throw NodeTestCacheError.scriptFailed(status: process.terminationStatus,
                                                  output: String(output.suffix(1500)))
        }
    }

    /// Reads `index.json`.
    func loadIndex() throws -> NodeTestIndex {
        let data = try Data(contentsOf: indexURL)
        return try JSONDecoder().decode(NodeTestIndex.self, from: data)
    }

    /// The expected outputs and the inputs of data set `n` of a case, as file URLs in
    /// position order (`input_0.pb`, `input_1.pb`, ...).
    func dataSet(_ name: String, _ n: Int) -> (inputs: [URL], outputs: [URL]) {
        let folder = caseDirectory(name).appendingPathComponent("test_data_set_\(n)", isDirectory: true)
        func files(_ prefix: String) -> [URL] {
            var urls: [URL] = []
            while true {
                let url = folder.appendingPathComponent("\(prefix)_\(urls.count).pb")
                guard FileManager.default.fileExists(atPath: url.path) else { return urls }
                urls.append(url)
            }
        }
        return (files("input"), files("output"))
    }
}

/// Why the node test cache could not be prepared.
enum NodeTestCacheError: Error, CustomStringConvertible {
    case launchFailed(reason: String)
    case scriptFailed(status: Int32, output: String)

    private static let advice = """
        The ONNX node conformance test needs python3 with numpy and onnx: \
        run `python3 -m pip install -r requirements.txt` in the repository root.
        """

    var description: String {
        switch self {
        case .launchFailed(let reason):
            return "cannot start python3 (\(reason)). \(Self.advice)"
        case .scriptFailed(let status, let output):
            return "scripts/onnx_node_tests.py failed (exit \(status)). \(Self.advice)\n\(output)"
        }
    }
}

/// `index.json`: the cases written and those skipped at generation.
struct NodeTestIndex: Decodable {
    struct Case: Decodable {
        let name: String
        /// The op the case tests (for `_expanded` cases, the op whose function was inlined).
        let op: String
        /// Every op type in the graph (`domain::Op` outside the default domain).
        let opTypes: [String]
        let expanded: Bool
        let rtol: Double
        let atol: Double
        let dataSets: Int

        enum CodingKeys: String, CodingKey {
            case name, op, expanded, rtol, atol
            case opTypes = "op_types"
            case dataSets = "data_sets"
        }
    }

    struct Skipped: Decodable {
        let name: String
        let op: String
        let reason: String
    }

    let onnxVersion: String
    let cases: [Case]
    let skipped: [Skipped]

    enum CodingKeys: String, CodingKey {
        case cases, skipped
        case onnxVersion = "onnx_version"
    }
}
