"""Thin views of procedures, by what users do: `library` (list, read), `editor` (the
manager's authoring of a draft), `intervention` (checklists and acceptance of an
intervention), `diagnostic` (the guided diagnostic runner); `common` holds their shared checks."""
