print("refold-bench")
