from tfdefect.models.mpb3.mpb3 import MPB3, compile_mpb3

__all__ = ["MPB3", "compile_mpb3"]
