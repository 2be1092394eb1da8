#!/usr/bin/env bash
# Compiles GOV.UK Frontend + MOJ Frontend with Sass and copies the JS and the
# images we may use into var/static-build (git-ignored). No fonts, no crown,
# no GOV.UK favicon or logotype: the service is not on a gov.uk domain.
set -euo pipefail
cd "$(dirname "$0")/.."
out=var/static-build
govuk=node_modules/govuk-frontend/dist/govuk
moj=node_modules/@ministryofjustice/frontend/moj
stamp="$out/.built"
src_newer=$(find victimcare/frontend/assets package-lock.json scripts/build-assets.sh -newer "$stamp" 2>/dev/null | head -1 || true)
if [ -f "$stamp" ] && [ -z "$src_newer" ]; then
  exit 0
fi
rm -rf "$out"
mkdir -p "$out/css" "$out/js" "$out/vendor/assets/images"
node_modules/.bin/sass --quiet --no-source-map --style=compressed \
  --load-path=. victimcare/frontend/assets/application.scss "$out/css/application.css"
# The footer and header crest are Crown branding we must not use.
sed -i 's#url("/static/vendor/assets/images/govuk-crest.svg")#none#g' "$out/css/application.css"
cp "$govuk/govuk-frontend.min.js" "$out/js/govuk-frontend.min.js"
cp "$moj/moj-frontend.min.js" "$out/js/moj-frontend.min.js"
cp victimcare/frontend/assets/*.js "$out/js/" 2>/dev/null || true
find "$moj/assets/images" -name 'icon-*' -exec cp {} "$out/vendor/assets/images/" \;
cp node_modules/axe-core/axe.min.js "$out/../axe.min.js"
touch "$stamp"
echo "Built front-end assets into $out"
