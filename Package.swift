// swift-tools-version: 6.0
import PackageDescription

// Direction of dependencies (see README "Module map"):
//   quantscope -> Explorer -> {Exporter, Reports, Terminal, Engine}
//   Exporter -> Reports (text, JSON and CSV renderings; the one NumberText) -> Engine
//   Engine -> {Safetensors, CQuantKernels}
//   Synthetic (demo and benchmark checkpoints) -> Safetensors
//   Terminal -> {CNCurses, BuiltInThemes (the files of Themes/, embedded)}
//   {Safetensors, Synthetic, Engine, Exporter, Terminal, Explorer, quantscope} -> FileSystem
//   (the one place that calls the C library's file functions; depends on nothing)
let package = Package(
  name: "QuantScope",
  platforms: [.macOS(.v15)],
  products: [
    .executable(name: "quantscope", targets: ["quantscope"])
  ],
  dependencies: [],
  targets: [
    // MARK: - C
    .systemLibrary(name: "CNCurses", path: "Sources/CNCurses"),
    .target(
      name: "CQuantKernels",
      path: "Sources/CQuantKernels",
      // Hot loops stay optimised in debug test runs too.
      cSettings: [.unsafeFlags(["-O2", "-fno-fast-math", "-ffp-contract=off"])]
    ),

    // MARK: - Libraries
    .target(name: "FileSystem", path: "Sources/FileSystem"),
    .target(name: "Safetensors", dependencies: ["FileSystem"], path: "Sources/Safetensors"),
    .target(
      name: "Engine",
      dependencies: ["Safetensors", "CQuantKernels", "FileSystem"],
      path: "Sources/Engine",
      exclude: ["CUDA/kernels.cu", "CUDA/quant_tables.h"],
      // kernels.cu and the table header it includes, handed to NVRTC at run time. The header is
      // also the C target's (include/quant_kernels.h includes it by relative path): SwiftPM embeds
      // only files inside the target's own folder, so it lives here, once.
      resources: [.embedInCode("CUDA/kernels.cu"), .embedInCode("CUDA/quant_tables.h")]
    ),
    .target(name: "Reports", dependencies: ["Engine", "Safetensors"], path: "Sources/Reports"),
    .target(
      name: "Synthetic", dependencies: ["Safetensors", "FileSystem"], path: "Sources/Synthetic"),
    .target(
      name: "Terminal", dependencies: ["CNCurses", "BuiltInThemes", "FileSystem"],
      path: "Sources/Terminal"),
    // The files of Themes/, compiled into the executable (no theme is looked up beside the binary).
    .target(
      name: "BuiltInThemes",
      path: "Themes",
      sources: ["BuiltInThemeFiles.swift"],
      resources: [
        .embedInCode("default.theme"), .embedInCode("gruvbox.theme"),
        .embedInCode("mono.theme"), .embedInCode("nord.theme"),
      ]
    ),
    .target(
      name: "Exporter", dependencies: ["Engine", "Reports", "Safetensors", "FileSystem"],
      path: "Sources/Exporter"),
    .target(
      name: "Explorer",
      dependencies: ["Engine", "Exporter", "Reports", "Terminal", "Safetensors", "FileSystem"],
      path: "Sources/Explorer"
    ),

    // MARK: - Executable
    .executableTarget(
      name: "quantscope",
      dependencies: [
        "Explorer", "Exporter", "Reports", "Engine", "Safetensors", "Synthetic", "FileSystem",
      ],
      path: "Sources/quantscope"
    ),

    // MARK: - Tests
    .target(
      name: "TestSupport", dependencies: ["FileSystem", "Safetensors", "Synthetic"], path: "Tests/TestSupport"),
    .testTarget(name: "FileSystemTests", dependencies: ["FileSystem", "TestSupport"]),
    .testTarget(name: "SafetensorsTests", dependencies: ["Safetensors", "TestSupport"]),
    .testTarget(
      name: "EngineTests",
      dependencies: ["Engine", "Reports", "Safetensors", "Synthetic", "TestSupport"]),
    .testTarget(
      name: "ReportsTests", dependencies: ["Reports", "Engine", "Safetensors", "TestSupport"]),
    .testTarget(
      name: "SyntheticTests", dependencies: ["Synthetic", "Engine", "Safetensors", "TestSupport"]),
    .testTarget(name: "TerminalTests", dependencies: ["Terminal", "BuiltInThemes", "TestSupport"]),
    .testTarget(
      name: "ExplorerTests",
      dependencies: [
        "Explorer", "Terminal", "Engine", "Reports", "Safetensors", "Synthetic", "TestSupport",
      ],
      exclude: ["Snapshots"]
    ),
    .testTarget(
      name: "ExporterTests", dependencies: ["Exporter", "Engine", "Synthetic", "TestSupport"],
      exclude: ["Snapshots"]),
    .testTarget(name: "EndToEndTests", dependencies: ["TestSupport", "Safetensors", "Engine"]),
  ]
)
