"""Headline clean-up, non-article rejection, canonical URLs, language, furniture lines."""

from __future__ import annotations

import pytest

from workers.stages.clean import SiteRules, clean_page
from workers.stages.clean.title import strip_site_name
from workers.stages.errors import PageRejected
from workers.stages.page import FetchedPage

PARAGRAPH = (
    "Les autorités ont annoncé mercredi un programme de réhabilitation des routes rurales "
    "dans les régions du Nord, financé par la Banque africaine de développement."
)


@pytest.mark.parametrize(
    ("title", "site", "host", "expected"),
    [
        ("Mali : la route de Kayes - Maliweb.net", "Maliweb.net", "www.maliweb.net",
         "Mali : la route de Kayes"),
        ("Maliweb.net | Mali : la route de Kayes", None, "www.maliweb.net",
         "Mali : la route de Kayes"),
        ("Le Soleil :: Budget 2025 – les députés votent", "Le Soleil", "lesoleil.sn",
         "Budget 2025 – les députés votent"),
        ("Lagos - Ibadan rail: trains resume – Punch Newspapers", "Punch Newspapers", "punchng.com",
         "Lagos - Ibadan rail: trains resume"),
        ("Collapse of perhaps a bridge - APS", "APS", "aps.sn", "Collapse of perhaps a bridge"),
        ("Mali : Kayes attend ses trains | maliweb", "Maliweb.net", "maliweb.net",
         "Mali : Kayes attend ses trains"),
        ("Sans suffixe", "APS", "aps.sn", "Sans suffixe"),
    ],
)
def test_site_name_is_stripped(title: str, site: str | None, host: str, expected: str) -> None:
    assert strip_site_name(title, site, host) == expected


def _page(url: str, html: str) -> FetchedPage:
    return FetchedPage(url=url, source="t", body=html.encode())


ARTICLE = "<h1>Titre de l’article</h1>" + f"<p>{PARAGRAPH}</p>" * 3


@pytest.mark.parametrize(
    ("url", "body_class", "reason"),
    [
        ("https://site.example/category/politique/", "", "category_page"),
        ("https://site.example/rubrique/economie", "", "category_page"),
        ("https://site.example/spip.php?rubrique12", "", "category_page"),
        ("https://site.example/tag/mali/", "", "tag_page"),
        ("https://site.example/?s=mali", "", "search_page"),
        ("https://site.example/contactez-nous/", "", "contact_page"),
        ("https://site.example/", "", "home_page"),
        ("https://site.example/author/moussa/", "", "author_page"),
        ("https://site.example/actualites/page/3/", "", "listing_page"),
        ("https://site.example/politique", "archive category", "category_page"),
        ("https://site.example/actu", "home blog", "home_page"),
    ],
)
def test_non_articles_are_rejected_with_a_reason(url: str, body_class: str, reason: str) -> None:
    html = f'<html><body class="{body_class}">{ARTICLE}</body></html>'
    with pytest.raises(PageRejected) as caught:
        clean_page(_page(url, html))
    assert caught.value.reason == reason


def test_article_under_a_category_path_is_kept() -> None:
    url = "https://site.example/category/politique/le-conseil-des-ministres-adopte-le-budget/"
    assert clean_page(_page(url, f"<html><body>{ARTICLE}</body></html>")).text


def test_video_page_is_rejected() -> None:
    html = (
        '<html><body><h1>Vidéo</h1><iframe src="https://www.youtube.com/embed/x"></iframe>'
        "<p>Regardez la cérémonie d’ouverture du sommet.</p></body></html>"
    )
    with pytest.raises(PageRejected) as caught:
        clean_page(_page("https://site.example/videos/ceremonie-ouverture-du-sommet/", html))
    assert caught.value.reason == "video_page"


def test_canonical_url_and_title_from_og() -> None:
    html = (
        '<html><head><link rel="canonical" href="/politique/titre-de-l-article/">'
        '<meta property="og:title" content="Titre de l’article – Le Site">'
        '<meta property="og:site_name" content="Le Site"></head><body>' + f"<p>{PARAGRAPH}</p>" * 3
    )
    result = clean_page(_page("https://m.site.example/politique/titre-de-l-article/amp/", html))
    assert result.canonical_url == "https://m.site.example/politique/titre-de-l-article/"
    assert result.title == "Titre de l’article"
    assert result.site_name == "Le Site"


def test_canonical_pointing_home_is_ignored() -> None:
    html = f'<html><head><link rel="canonical" href="https://site.example/"></head><body>{ARTICLE}'
    url = "https://site.example/politique/titre-de-l-article/"
    assert clean_page(_page(url, html)).canonical_url == url


def test_furniture_lines_go_and_signature_lines_stay() -> None:
    html = (
        '<html><body><h1>Titre</h1><div class="article-body">'
        "<p>Dakar, 6 fév (APS) – " + PARAGRAPH + "</p>"
        '<p><strong>Lire aussi :</strong> <a href="/x">Un autre article</a></p>'
        '<figure><img src="a.jpg"><figcaption>Le ministre. Photo : DR</figcaption></figure>'
        "<p>Partager sur Facebook</p>"
        "<p>Abonnez-vous à notre newsletter</p>"
        "<p>Tags : Mali, Sénégal</p>"
        "<p>" + PARAGRAPH + "</p>"
        '<p><a href="/a">Les députés adoptent la loi de finances rectificative</a></p>'
        "<p>Amen K.</p><p>Source : L’Essor</p>"
        '</div><div id="comments"><p>Très bon article, merci.</p></div></body></html>'
    )
    result = clean_page(_page("https://site.example/politique/titre-de-l-article/", html))
    assert result.text.split("\n\n") == [
        "Dakar, 6 fév (APS) – " + PARAGRAPH, PARAGRAPH, "Amen K.", "Source : L’Essor",
    ]


def test_source_selectors_override_the_layout() -> None:
    html = (
        '<html><body><div class="x-title">Le vrai titre</div><h1>Logo du site</h1>'
        '<div class="x-body"><p>' + PARAGRAPH + '</p><div class="x-ad">Publicité Orange Money</div>'
        "<p>"
        + PARAGRAPH
        + '</p></div><div class="other"><p>'
        + PARAGRAPH.upper()
        + "</p></div></body></html>"
    )
    rules = SiteRules(body=".x-body", title=".x-title", drop=(".x-ad",))
    result = clean_page(_page("https://site.example/a/le-vrai-titre-de-l-article/", html), rules)
    assert result.title == "Le vrai titre"
    assert result.text == PARAGRAPH + "\n\n" + PARAGRAPH


@pytest.mark.parametrize(
    ("text", "language"),
    [
        (PARAGRAPH, "fr"),
        ("The Federal Government has released five billion naira to support victims of last "
         "year's floods in Adamawa, the minister said on Thursday in Abuja.", "en"),
        ("O Governo da Guiné-Bissau fixou hoje o preço de referência do quilo da castanha de "
         "caju para a campanha de comercialização deste ano.", "pt"),
    ],
)
def test_language_is_detected_from_the_body(text: str, language: str) -> None:
    html = f"<html><body><h1>Titre</h1><p>{text}</p><p>{text}</p></body></html>"
    assert (
        clean_page(_page("https://site.example/x/un-article-de-test/", html)).language == language
    )


_SIDEBAR_MEDIA = (
    '<aside class="sidebar">'
    + '<img src="/pub.jpg">' * 8
    + '<iframe src="https://www.youtube.com/embed/clip"></iframe></aside>'
)


def test_a_short_article_beside_a_sidebar_full_of_media_is_an_article() -> None:
    # Media are counted in the article's region: the sidebar's images and videos are not it.
    html = (
        f"<html><body><article><h1>Le budget rural adopté</h1><p>{PARAGRAPH}</p>"
        "<p>Les travaux commenceront en mars dans trois régions, selon le ministère des "
        "Infrastructures.</p></article>" + _SIDEBAR_MEDIA + "</body></html>"
    )
    result = clean_page(_page("https://site.example/politique/le-budget-rural-adopte/", html))
    assert result.title == "Le budget rural adopté"
    assert "travaux commenceront" in result.text


def test_a_gallery_is_still_a_gallery_when_its_images_are_in_the_article() -> None:
    html = (
        "<html><body><article><h1>En images : le sommet</h1>"
        + '<img src="/a.jpg">' * 8
        + f"<p>{PARAGRAPH}</p></article></body></html>"
    )
    with pytest.raises(PageRejected) as caught:
        clean_page(_page("https://site.example/societe/en-images-le-sommet/", html))
    assert caught.value.reason == "gallery_page"


def test_teasers_avatars_and_icons_around_a_short_post_do_not_make_it_a_gallery() -> None:
    # A gallery's pictures link to nothing or to themselves: images linking to other
    # pages are teasers, small ones avatars, SVG and GIF images icons and spacers.
    teasers = "".join(
        f'<a href="/autre-sujet-{n}/"><img src="/upload/sujet-{n}.jpg" width="360"></a>'
        for n in range(6)
    )
    icons = '<img src="/theme/fleche.gif"><img src="/theme/logo.svg">' * 3
    avatar = '<a href="/"><img src="/upload/avatar-150x150.png"></a><img width="80" src="/a.jpg">'
    html = (
        f"<html><body><article><h1>Le budget rural adopté</h1>{avatar}<p>{PARAGRAPH}</p>"
        f"<p>Les travaux commenceront en mars dans trois régions.</p>"
        f"{teasers}</article>{icons}</body></html>"
    )
    result = clean_page(_page("https://site.example/politique/le-budget-rural-adopte/", html))
    assert "Banque africaine" in result.text


def test_control_characters_pasted_into_an_article_do_not_lose_its_body() -> None:
    # No article element: the general extractor finds the text, and must not fail on a bell
    # character that XML cannot hold.
    paragraphs = "".join(f"<p>{PARAGRAPH} Tranche {n}\x07 du programme.</p>" for n in range(5))
    html = f"<html><body><div><h1>Le budget rural adopté</h1>{paragraphs}</div></body></html>"
    result = clean_page(_page("https://site.example/politique/le-budget-rural-adopte/", html))
    assert "Tranche 4 du programme" in result.text


def test_words_of_scripts_written_without_spaces_are_counted() -> None:
    # 150 characters of Chinese are about 75 words, not 3 "tokens": no "no_article_body".
    sentence = "国务院总理今天在北京主持召开国务院常务会议部署进一步推动农村道路建设的措施。"
    html = (
        "<html><body><article><h1>国务院部署农村道路建设</h1>"
        + "".join(f"<p>{sentence}第{n}项。</p>" for n in range(4))
        + "</article></body></html>"
    )
    result = clean_page(_page("https://site.example/n1/2024/0424/c1001-40223222.html", html))
    assert sentence in result.text


def test_the_first_page_parameter_is_no_listing() -> None:
    url = "https://site.example/news/news_view.html?idx=8723&page=1"
    assert clean_page(_page(url, f"<html><body>{ARTICLE}</body></html>")).text
    with pytest.raises(PageRejected) as caught:
        clean_page(_page("https://site.example/news/list.html?page=2", "<html></html>"))
    assert caught.value.reason == "listing_page"


def test_paragraphs_written_as_bare_text_between_headings_are_kept() -> None:
    # No paragraph elements: the general extractor hands the text back as the tail of each
    # heading, which is article text like any paragraph.
    sections = "".join(
        f"<h2>Volet {n} du programme</h2>{PARAGRAPH} Le volet {n} couvre trois régions.<br>"
        for n in range(1, 5)
    )
    html = (
        '<html><body><div id="news_content"><h1>Le budget rural adopté</h1>'
        f"{sections}</div></body></html>"
    )
    result = clean_page(_page("https://site.example/politique/le-budget-rural-adopte/", html))
    assert "Le volet 1 couvre trois régions." in result.text
    assert "Le volet 4 couvre trois régions." in result.text


def test_an_article_printed_twice_in_its_container_comes_back_once() -> None:
    copy = "".join(f"<p>{PARAGRAPH} Étape {n} du chantier.</p>" for n in range(4))
    html = (
        "<html><body><article><h1>Le budget rural adopté</h1>"
        f'<div class="entry-content"><div class="mobile">{copy}</div>'
        f'<div class="desktop">{copy}</div></div></article></body></html>'
    )
    result = clean_page(_page("https://site.example/politique/le-budget-rural-adopte/", html))
    assert result.text.count("Étape 2 du chantier.") == 1


def test_a_few_repeated_lines_of_an_article_are_kept() -> None:
    step = "<p>Mélangez le riz et la sauce dans un récipient et laissez reposer dix minutes.</p>"
    days = "".join(f"<h2>Jour {n}</h2><p>{PARAGRAPH} Menu du jour {n}.</p>{step}"
                   for n in range(1, 4))
    html = (
        "<html><body><article><h1>Le budget rural adopté</h1>"
        f'<div class="entry-content">{days}</div></article></body></html>'
    )
    result = clean_page(_page("https://site.example/politique/le-budget-rural-adopte/", html))
    assert result.text.count("laissez reposer dix minutes") == 3


def test_ad_labels_and_credited_captions_inside_the_article_are_furniture() -> None:
    html = (
        "<html><body><article><h1>Le budget rural adopté</h1><div class=\"entry-content\">"
        f"<p>{PARAGRAPH}</p><p>Publicité</p>"
        "<p>Le ministre lors de la cérémonie à Kayes © Ministère des Infrastructures</p>"
        f"<p>{PARAGRAPH} Les travaux commencent en mars.</p></div></article></body></html>"
    )
    result = clean_page(_page("https://site.example/politique/le-budget-rural-adopte/", html))
    assert "Publicité" not in result.text
    assert "cérémonie à Kayes" not in result.text
    assert "Les travaux commencent en mars." in result.text
