"""Web links to Azure DevOps for one work item or pull request (no widgets, no network).

The collection URL is the one `ado.org_url` holds (see `flowtui.orgurl`): `https://dev.azure.com/ORG`,
`https://ORG.visualstudio.com[/Collection]` or an ADO Server collection `https://server/tfs/Collection`.
Every form takes the same path below the collection, so one rule covers all three:

* work item: `{collection}/{project}/_workitems/edit/{id}`
* pull request: `{collection}/{project}/_git/{repository}/pullrequest/{id}`

Project and repository names are server text: they are percent-encoded as path segments (a space
becomes `%20`, a `/` or `?` can never change the URL's shape).
"""

from __future__ import annotations

from urllib.parse import quote

from flowtui.errors import ConfigError
from flowtui.orgurl import normalize_org_url


def _collection(org_url: str) -> str:
    """The normalized collection URL, or ConfigError when there is none to link to."""
    try:
        base = normalize_org_url(org_url)
    except ValueError:
        base = ""
    if not base:
        raise ConfigError("No Azure DevOps URL to link to: set ado.org_url in Settings (,) first.")
    return base


def _segment(text: str) -> str:
    return quote(text, safe="")


def work_item_url(org_url: str, project: str, item_id: int) -> str:
    """The web page of work item `item_id` in `project` (ConfigError without an org URL)."""
    return f"{_collection(org_url)}/{_segment(project)}/_workitems/edit/{int(item_id)}"


def pull_request_url(org_url: str, project: str, repository: str, pr_id: int) -> str:
    """The web page of pull request `pr_id` of `repository` in `project` (ConfigError without an org URL)."""
    return f"{_collection(org_url)}/{_segment(project)}/_git/{_segment(repository)}/pullrequest/{int(pr_id)}"


__all__ = ["pull_request_url", "work_item_url"]
