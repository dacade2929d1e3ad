-- 0002_hardware_compute.sql: per-device dense FP16 tensor throughput (TFLOPS,
-- no sparsity) for the prompt-processing speed estimate; NULL = unknown.
ALTER TABLE hardware ADD COLUMN compute_tflops REAL
    CHECK (compute_tflops IS NULL OR compute_tflops > 0);
