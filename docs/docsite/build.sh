#!/usr/bin/env bash
# The collection's documentation site: antsibull-docs + Sphinx, offline.
#
#   bash docs/docsite/build.sh --sync   # regenerate docs/docsite/rst/*.rst from the Markdown pages
#   bash docs/docsite/build.sh DEST     # check rst/ is current, then build the HTML site into DEST/build/html
#
# The site documents the cloutility.cloutility collection ansible-core finds (ANSIBLE_COLLECTIONS_PATH);
# the docs-site nox session (noxfile.py) points it at the copy under test. Tools: antsibull-docs, sphinx,
# sphinx-ansible-theme, ansible-pygments and pypandoc-binary (scripts/requirements-dev.txt).
#
# Sphinx warnings fail the build, except those that only mean intersphinx could not reach the Ansible
# and Python documentation (no network here): the unreachable inventories themselves and the references
# into those sites that antsibull-docs generates (listed in ALLOWED below). DOCS_STRICT=1 (the publishing
# workflow, which has network) allows none.
set -euo pipefail

HERE="$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)"
ROOT="$(cd "$HERE/../.." && pwd)"
REPO_URL=https://github.com/cloutility-ansible/cloutility/blob/main

# Markdown page -> generated rst page (name as in extra-docs.yml).
declare -A PAGES=(
    [docs/guides/nightly-backup-check.md]=guide_nightly_backup_check
    [docs/guides/monthly-billing-export.md]=guide_monthly_billing_export
    [docs/guides/tenants-as-code.md]=guide_tenants_as_code
    [docs/guides/awx-automation-controller.md]=guide_awx_automation_controller
    [docs/guides/event-driven-ansible.md]=guide_event_driven_ansible
    [docs/architecture.md]=architecture
)

pandoc_bin() {
    python -c 'import pypandoc; print(pypandoc.get_pandoc_path())'
}

# generate OUTDIR: write the rst pages into OUTDIR.
generate() {
    local out="$1" pandoc md name dir
    pandoc="$(pandoc_bin)"
    for md in "${!PAGES[@]}"; do
        name="${PAGES[$md]}"
        dir="$(dirname "$md")"
        {
            printf '..\n  Generated from %s by docs/docsite/build.sh --sync: edit the Markdown, not this file.\n\n' "$md"
            printf '.. _ansible_collections.cloutility.cloutility.docsite.%s:\n\n' "$name"
            # Relative links point into the repository; on the site they go to GitHub.
            python - "$ROOT/$md" "$dir" "$REPO_URL" <<'EOF' | "$pandoc" --from gfm-gfm_auto_identifiers --to rst --wrap=none
import os, re, sys
path, base, url = sys.argv[1:]
text = open(path, encoding='utf-8').read()
def absolute(match):
    target = match.group(2)
    if re.match(r'^[a-z]+:|^#', target):
        return match.group(0)
    return '%s%s/%s)' % (match.group(1), url, os.path.normpath(os.path.join(base, target)))
sys.stdout.write(re.sub(r'(\]\()([^)\s]+)\)', absolute, text))
EOF
        } >"$out/$name.rst"
    done
}

if [ "${1:-}" = --sync ]; then
    generate "$HERE/rst"
    echo "regenerated $(printf '%s ' "${PAGES[@]}")in $HERE/rst"
    exit 0
fi

DEST="${1:?usage: build.sh --sync | build.sh DEST}"
mkdir -p "$DEST/check" "$DEST/site"
chmod 755 "$DEST/site"
generate "$DEST/check"
for name in "${PAGES[@]}"; do
    if ! cmp -s "$DEST/check/$name.rst" "$HERE/rst/$name.rst"; then
        echo "docs/docsite/rst/$name.rst is not current with its Markdown page: run bash docs/docsite/build.sh --sync"
        diff -u "$HERE/rst/$name.rst" "$DEST/check/$name.rst" | head -20 || true
        exit 1
    fi
done

cd "$DEST/site"
antsibull-docs sphinx-init --use-current --fail-on-error --squash-hierarchy --dest-dir . \
    --project 'cloutility.cloutility' --title 'Cloutility Ansible collection' cloutility.cloutility >/dev/null
# The generated build.sh: antsibull-docs writes the rst, sphinx-build the HTML. Warnings are judged below.
sed -i 's/ -W --keep-going/ --keep-going -w warnings.txt/' build.sh
grep -q 'warnings.txt' build.sh || {
    echo "unexpected build.sh from antsibull-docs sphinx-init:"
    cat build.sh
    exit 1
}
bash ./build.sh >build.log 2>&1 || true
[ -f build/html/index.html ] || {
    cat build.log
    echo "the site was not built"
    exit 1
}
ALLOWED="failed to reach any of the inventories|^intersphinx inventory .* not (fetchable|readable)"
ALLOWED+="|undefined label: '(common_return_values|ansible_configuration_settings|action_plugins)'"
ALLOWED+="|'envvar' reference target not found: ANSIBLE_[A-Z_]+ "
if [ "${DOCS_STRICT:-0}" = 1 ]; then
    ALLOWED='^$'
fi
bad="$(grep -Ev "$ALLOWED" warnings.txt | grep -v '^\s*$' || true)"
echo "site: $DEST/site/build/html/index.html ($(find build/html -name '*.html' | wc -l) pages);" \
    "$(grep -c WARNING warnings.txt || true) warning(s), $(printf '%s' "$bad" | grep -c WARNING || true) not about unreachable intersphinx"
if [ -n "$bad" ]; then
    echo "$bad"
    exit 1
fi
