print("quantscope")
