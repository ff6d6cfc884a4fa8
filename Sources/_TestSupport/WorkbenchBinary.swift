import Foundation

/// The built `workbench` executable, for tests that run it as users do.
public enum WorkbenchBinary {
    /// What one run printed and its exit status.
    public struct Result: Sendable {
        public var status: Int32
        public var stdout: String
        public var stderr: String

        public init(status: Int32, stdout: String, stderr: String) {
            self.status = status
            self.stdout = stdout
            self.stderr = stderr
        }
    }

    /// The `workbench` executable SwiftPM built next to the running test bundle.
    ///
    /// `swift test` puts the test bundle (`workbenchPackageTests.xctest`) and
    /// the products in the same directory of whatever `--scratch-path` was
    /// used; the `WORKBENCH_BINARY` environment variable overrides the search.
    public static func locate() throws -> URL {
        if let path = ProcessInfo.processInfo.environment["WORKBENCH_BINARY"] {
            return URL(fileURLWithPath: path)
        }
        var directories: [URL] = []
        if let exe = Bundle.main.executableURL { directories.append(exe.resolvingSymlinksInPath().deletingLastPathComponent()) }
        for bundle in Bundle.allBundles where bundle.bundlePath.hasSuffix(".xctest") {
            directories.append(bundle.bundleURL.deletingLastPathComponent())  // macOS: the .xctest is a directory
        }
        directories.append(URL(fileURLWithPath: CommandLine.arguments[0]).resolvingSymlinksInPath().deletingLastPathComponent())
        for dir in directories {
            let candidate = dir.appendingPathComponent("workbench")
            if FileManager.default.isExecutableFile(atPath: candidate.path) { return candidate }
        }
        throw MissingBinary("no workbench binary next to the test bundle (looked in \(directories.map(\.path)))")
    }

    /// Runs `workbench` with `arguments` in `directory`; `environment` replaces
    /// the inherited one when given, and `stdin` (when given) is written to its
    /// standard input, which is then closed.
    public static func run(_ arguments: [String], in directory: URL, environment: [String: String]? = nil,
                           stdin: String? = nil) throws -> Result {
        let process = Process()
        process.executableURL = try locate()
        process.arguments = arguments
        process.currentDirectoryURL = directory
        if let environment { process.environment = environment }
        let input = Pipe(), out = Pipe(), err = Pipe()
        if stdin != nil { process.standardInput = input }
        process.standardOutput = out
        process.standardError = err
        try process.run()
        if let stdin {
            input.fileHandleForWriting.write(Data(stdin.utf8))
            try input.fileHandleForWriting.close()
        }
        // Read before waiting, so a full pipe cannot block the child.
        let stdout = out.fileHandleForReading.readDataToEndOfFile()
        let stderr = err.fileHandleForReading.readDataToEndOfFile()
        process.waitUntilExit()
        return Result(status: process.terminationStatus, stdout: String(decoding: stdout, as: UTF8.self),
                      stderr: String(decoding: stderr, as: UTF8.self))
    }
}

/// Not a skip: a missing binary fails the test with this message.
public struct MissingBinary: Error, CustomStringConvertible {
    public let description: String
    public init(_ message: String) { description = message }
}
