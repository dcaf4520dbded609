"""Rule families of `validate` that grew past its module."""
