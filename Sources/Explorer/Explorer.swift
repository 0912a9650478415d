// Explorer module
