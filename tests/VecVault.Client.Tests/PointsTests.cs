namespace VecVault.Client.Tests;

public sealed class PointsTests
{
    [Fact]
    public void A_point_carries_its_id_and_vector()
    {
        var point = Points.Create(42, [1f, 2f, 3f]);
        Assert.Equal(42UL, point.Id.Num);
        Assert.Equal([1f, 2f, 3f], point.Vector.Data);
        Assert.Empty(point.Payload);
    }

    [Fact]
    public void A_client_needs_an_address_and_a_key()
    {
        Assert.Throws<ArgumentException>(() => new VecVaultClient("", "k"));
        Assert.Throws<ArgumentException>(() => new VecVaultClient("http://127.0.0.1:1", ""));
    }
}
