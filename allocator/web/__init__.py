"""The organiser's web page, `allocate serve`: an optional extra (`pip install
'allocator[web]'`) over the public library, as the command line is.

Importing this package loads nothing of the web stack: the solve's child process imports
`allocator.web.child` alone, and `allocator.web.server` brings in Starlette and uvicorn.
"""
