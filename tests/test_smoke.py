def test_home_page_is_japanese(client, home_page):
    response = client.get("/")
    assert response.status_code == 200
    assert '<html lang="ja">' in response.content.decode()
