// Exporter module
